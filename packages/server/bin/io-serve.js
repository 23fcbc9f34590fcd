#!/usr/bin/env node
// The io-serve command. It lives outside dist/ so that npm can link it at install time,
// before the build has run (in a checkout, `npm install` builds dist/ afterwards).
import "../dist/cli.js"
