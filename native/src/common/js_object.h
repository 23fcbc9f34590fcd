// Objects and arrays that native code hands to JavaScript, built without running JavaScript.
//
// Assigning a property (napi_set_named_property, napi_set_element) is JavaScript's [[Set]]: it
// runs a setter that someone defined on Object.prototype, Array.prototype or Error.prototype,
// and that setter may close the very object native code is in the middle of using. Defining
// the property (CreateDataProperty) never runs anything.
#pragma once

#include <napi.h>

#include <vector>

namespace io {

// Defines `key` as an own enumerable, writable, configurable data property of `object`.
void SetOwn(Napi::Env env, napi_value object, const char* key, napi_value value);
// A new array holding `values` as own elements.
Napi::Array OwnArray(Napi::Env env, const std::vector<napi_value>& values);

}  // namespace io
