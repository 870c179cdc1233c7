# Shared by the misbehaving test adapters: read one request, answer hello.
request_id() { printf '%s' "$1" | sed -E 's/.*"id":"([^"]*)".*/\1/'; }
answer_hello() {
  printf '{"id":"hello","result":{"protocol":1,"implementation":{"name":"%s","version":"0","language":"bash"},"operations":%s}}\n' "$1" "$2"
}
