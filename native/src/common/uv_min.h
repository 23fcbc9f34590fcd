// The few libuv entry points the addon uses, declared here because the Node-API header
// package (node-api-headers, used for offline builds) does not ship uv.h.
//
// Why this is safe: libuv keeps a stable ABI across 1.x, node exports these symbols, and we
// never depend on a struct layout. A uv_poll_t is allocated with uv_handle_size(UV_POLL) bytes
// and only touched through functions. UV_POLL's value (8) is fixed by the order of
// UV_HANDLE_TYPE_MAP in libuv 1.x; uv_version() is checked at load time.
#pragma once

#include <cstddef>

extern "C" {
struct uv_loop_s;
typedef struct uv_loop_s uv_loop_t;
struct uv_handle_s;
typedef struct uv_handle_s uv_handle_t;
struct uv_poll_s;
typedef struct uv_poll_s uv_poll_t;

typedef void (*uv_poll_cb)(uv_poll_t* handle, int status, int events);
typedef void (*uv_close_cb)(uv_handle_t* handle);

enum { IO_UV_POLL = 8, IO_UV_READABLE = 1 };

size_t uv_handle_size(int type);
unsigned int uv_version(void);
int uv_poll_init(uv_loop_t* loop, uv_poll_t* handle, int fd);
int uv_poll_start(uv_poll_t* handle, int events, uv_poll_cb cb);
int uv_poll_stop(uv_poll_t* handle);
void uv_close(uv_handle_t* handle, uv_close_cb close_cb);
void uv_ref(uv_handle_t* handle);
void uv_unref(uv_handle_t* handle);
void* uv_handle_get_data(const uv_handle_t* handle);
void uv_handle_set_data(uv_handle_t* handle, void* data);
}
