-- wrk script: durable update-as-create (PUT /fhir/Patient/<id>) of the Patient of rest_create.lua,
-- with ids that ascend ("0000000001-1", "0000000001-2", "0000000002-1"…): every write is a new
-- resource, as with POST, but the id-keyed b-trees get their rows at their ends instead of on
-- random pages. Measures what time-ordered server ids (UUIDv7-like) would give POST creates:
--   wrk -t2 -c32 -d8s --latency -s tests/bench/rest_put_ascending.lua http://127.0.0.1:PORT/fhir/Patient
threads_started = 0
function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started)
end
local counter = 0
function request()
  counter = counter + 1
  local id = string.format("%010d-%d", counter, thread_number)
  local body = '{"resourceType":"Patient","id":"' .. id .. '",' ..
               '"identifier":[{"system":"urn:socialrx:bench","value":"1"}],' ..
               '"name":[{"text":"宇都宮 花子","family":"宇都宮","given":["花子"]}],' ..
               '"gender":"female","birthDate":"1962-03-15"}'
  return wrk.format("PUT", "/fhir/Patient/" .. id, {["Content-Type"] = "application/fhir+json"}, body)
end
