-- wrk script: durable creates of a small Patient (each a new resource, committed before the 201).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/fhir+json"
wrk.body = '{"resourceType":"Patient","identifier":[{"system":"urn:socialrx:bench","value":"1"}],' ..
           '"name":[{"text":"宇都宮 花子","family":"宇都宮","given":["花子"]}],' ..
           '"gender":"female","birthDate":"1962-03-15"}'
