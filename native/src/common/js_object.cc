#include "js_object.h"

#include <string>

namespace io {

void SetOwn(Napi::Env env, napi_value object, const char* key, napi_value value) {
  napi_property_descriptor property{
      key, nullptr, nullptr, nullptr, nullptr, value, napi_default_jsproperty, nullptr};
  napi_status status = napi_define_properties(env, object, 1, &property);
  NAPI_THROW_IF_FAILED_VOID(env, status);
}

Napi::Array OwnArray(Napi::Env env, const std::vector<napi_value>& values) {
  Napi::Array array = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); i++)
    SetOwn(env, array, std::to_string(i).c_str(), values[i]);
  return array;
}

}  // namespace io
