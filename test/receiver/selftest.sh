#!/usr/bin/env bash
# Self-test of the test webhook receiver: starts it on a free loopback port,
# sends Standard Webhooks-signed requests with curl (signatures computed here
# with openssl, independently of the receiver), exercises the per-path
# behaviours and checks what the control API recorded.
# Prints "receiver selftest: N passed, M failed"; exits non-zero on any failure.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$HERE"

for tool in node curl openssl base64 od; do
  command -v "$tool" >/dev/null || { echo "receiver selftest: $tool is missing" >&2; exit 2; }
done
if [ ! -d node_modules/standardwebhooks ]; then
  npm ci --omit=dev --no-audit --no-fund >/dev/null 2>&1 || npm install --no-audit --no-fund >/dev/null 2>&1 \
    || { echo "receiver selftest: npm install failed" >&2; exit 2; }
fi

WORK="$(mktemp -d)"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do  # wait for non-children too (at most ~2 s)
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

PASS=0
FAIL=0
ok()   { PASS=$((PASS + 1)); }
bad()  { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }
check() { # check "description" actual expected
  if [ "$2" == "$3" ]; then ok; else bad "$1: got [$2], want [$3]"; fi
}

# jq-like helper: jget JSON 'js expression over x'
jget() { node -e 'const x = JSON.parse(process.argv[1]); const r = (0, eval)("(x) => (" + process.argv[2] + ")")(x); process.stdout.write(typeof r === "string" ? r : JSON.stringify(r));' "$1" "$2"; }

# start_receiver OUTFILE ARGS... -> sets RPID and RPORT
start_receiver() {
  local out="$1"; shift
  node receiver.js "$@" >"$out" 2>"$out.err" &
  RPID=$!
  PIDS+=("$RPID")
  RPORT=""
  for _ in $(seq 1 100); do
    if [ -s "$out" ]; then
      RPORT="$(jget "$(head -n1 "$out")" 'x.port')"
      # the pid the receiver reports itself (differs from $! when a shell sits between)
      local self; self="$(jget "$(head -n1 "$out")" 'x.pid')"
      [ "$self" != "$RPID" ] && PIDS+=("$self")
      break
    fi
    kill -0 "$RPID" 2>/dev/null || break
    sleep 0.05
  done
  [ -n "$RPORT" ]
}

# ---------------------------------------------------------------- signing
hexkey_whsec() { printf '%s' "${1#whsec_}" | base64 -d | od -An -v -tx1 | tr -d ' \n'; }
hexkey_raw()   { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
sign() { # sign HEXKEY ID TS BODY -> v1,<base64>
  printf 'v1,%s' "$(printf '%s.%s.%s' "$2" "$3" "$4" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$1" -binary | base64 -w0)"
}

WHSEC="whsec_$(head -c 24 /dev/urandom | base64 -w0)"
RAW='raw secret, not base64: ü€ ok'
BODY='{"locator":"01J000000000000000000000","type":"policy.issued","data":{"x":1,"s":"é"}}'

# ---------------------------------------------------------------- start
start_receiver "$WORK/out" --port 0 --log "$WORK/log.jsonl" --pidfile "$WORK/pid" \
  || { echo "receiver selftest: receiver did not start: $(cat "$WORK/out.err")" >&2; exit 1; }
B="http://127.0.0.1:$RPORT"
C="$B/_control"
check "startup line" "$(jget "$(head -n1 "$WORK/out")" 'x.listening')" "true"
check "pidfile" "$(tr -d '\n' <"$WORK/pid")" "$(jget "$(head -n1 "$WORK/out")" 'x.pid')"
check "health" "$(curl -s "$C/health" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(String(JSON.parse(s).ok)))')" "true"

post()   { curl -s -X POST -H 'content-type: application/json' --data-binary "$2" "$C/$1"; }
getj()   { curl -s "$C/$1"; }
behave() { local r; r="$(post behaviour "$1")"; [ -n "$(jget "$r" 'x.path || ""')" ] || bad "behaviour $1 -> $r"; }

behave "{\"path\":\"/whsec\",\"secret\":\"$WHSEC\"}"
behave "{\"path\":\"/raw\",\"secret\":\"$RAW\"}"

# Signed delivery helper: deliver PATH HEXKEY [extra curl args] ; prints http code
deliver() {
  local path="$1" key="$2"; shift 2
  local id="evt_$RANDOM$RANDOM" ts; ts="$(date +%s)"
  local sig; sig="$(sign "$key" "$id" "$ts" "$BODY")"
  curl -s -o /dev/null -w '%{http_code}' -X POST "$B$path" \
    -H 'content-type: application/json' -H "webhook-id: $id" -H "webhook-timestamp: $ts" \
    -H "webhook-signature: $sig" -H "socotra-signature: $sig" -H 'socotra-signature-tag: tag-1' \
    "$@" --data-binary "$BODY"
}

# 1. whsec_ secret, correct signature
check "whsec delivery status" "$(deliver /whsec "$(hexkey_whsec "$WHSEC")")" "200"
R="$(getj 'requests?path=/whsec')"
check "whsec recorded" "$(jget "$R" 'x.length')" "1"
check "whsec verified" "$(jget "$R" 'x[0].verified')" "true"
check "whsec socotra matches" "$(jget "$R" 'x[0].socotraSignatureMatches')" "true"
check "whsec tag" "$(jget "$R" 'x[0].socotraSignatureTag')" "tag-1"
check "whsec body kept verbatim" "$(jget "$R" 'x[0].body')" "$BODY"
check "whsec method" "$(jget "$R" 'x[0].method')" "POST"
check "whsec outcome" "$(jget "$R" 'x[0].outcome')" "ok"
check "headers lower-cased" "$(jget "$R" 'x[0].headers["content-type"]')" "application/json"
check "arrival time" "$(jget "$R" 'x[0].arrivedAt > 1.6e12 && x[0].arrivedAt < Date.now() + 1')" "true"

# 2. raw (non-whsec) secret with non-ASCII bytes, correct signature
check "raw delivery status" "$(deliver /raw "$(hexkey_raw "$RAW")")" "200"
R="$(getj 'requests?path=/raw')"
check "raw verified" "$(jget "$R" 'x[0].verified')" "true"

# 3. wrong signatures
check "wrong-key delivery status" "$(deliver /whsec "$(hexkey_raw "not the key")")" "200"
check "raw key interpreted as whsec fails" "$(deliver /raw "$(hexkey_whsec "$WHSEC")")" "200"
ID=evt_old; TS=$(( $(date +%s) - 3600 )); SIG="$(sign "$(hexkey_whsec "$WHSEC")" "$ID" "$TS" "$BODY")"
curl -s -o /dev/null -X POST "$B/whsec" -H "webhook-id: $ID" -H "webhook-timestamp: $TS" \
  -H "webhook-signature: $SIG" -H "socotra-signature: v1,different" --data-binary "$BODY"
R="$(getj 'requests?path=/whsec')"
check "wrong key not verified" "$(jget "$R" 'x[1].verified')" "false"
check "old timestamp not verified" "$(jget "$R" 'x[2].verified')" "false"
check "old timestamp error" "$(jget "$R" 'x[2].verifyError')" "Message timestamp too old"
check "socotra mismatch" "$(jget "$R" 'x[2].socotraSignatureMatches')" "false"
check "no tag" "$(jget "$R" 'x[2].socotraSignatureTag')" "null"
R="$(getj 'requests?path=/raw')"
check "raw wrong key not verified" "$(jget "$R" 'x[1].verified')" "false"
CNT="$(getj 'count?path=/whsec')"
check "count whsec" "$(jget "$CNT" '[x.count, x.verified, x.failedVerification].join()')" "3,1,2"
CNT="$(getj 'count?path=/raw')"
check "count raw" "$(jget "$CNT" '[x.count, x.verified, x.failedVerification].join()')" "2,1,1"

# 4. no secret configured -> verified null; query kept; multi-valued header kept
curl -s -o /dev/null -X PUT "$B/plain/a?b=1&c=2" -H 'x-multi: one' -H 'x-multi: two' \
  -H 'webhook-id: x' -H 'webhook-timestamp: 1' -H 'webhook-signature: v1,AAAA' --data-binary 'not json'
R="$(getj 'requests?path=/plain/a')"
check "unsigned path verified null" "$(jget "$R" 'x[0].verified')" "null"
check "path with query" "$(jget "$R" 'x[0].path')" "/plain/a?b=1&c=2"
check "multi-valued header" "$(jget "$R" 'x[0].headers["x-multi"].join("|")')" "one|two"
check "method PUT" "$(jget "$R" 'x[0].method')" "PUT"
check "filter by path with query" "$(jget "$(getj 'requests?path=%2Fplain%2Fa%3Fb%3D1%26c%3D2')" 'x.length')" "1"
# signature on a secret path but without signature headers -> null
curl -s -o /dev/null -X POST "$B/whsec" --data-binary "$BODY"
CNT="$(getj 'count?path=/whsec')"
check "missing headers counted unverified" "$(jget "$CNT" '[x.count, x.verified, x.failedVerification].join()')" "4,1,2"

# 5. status 503 with Retry-After, custom body and headers
behave '{"path":"/fail","status":503,"retryAfter":"2","body":"nope","headers":{"X-Test":"yes"}}'
HDRS="$(curl -s -D - -o "$WORK/body" -X POST "$B/fail" --data-binary x)"
check "503 status" "$(printf '%s' "$HDRS" | head -n1 | tr -d '\r' | cut -d' ' -f2)" "503"
check "503 retry-after" "$(printf '%s' "$HDRS" | grep -i '^retry-after:' | tr -d '\r' | cut -d' ' -f2)" "2"
check "503 custom header" "$(printf '%s' "$HDRS" | grep -i '^x-test:' | tr -d '\r' | cut -d' ' -f2)" "yes"
check "503 body" "$(cat "$WORK/body")" "nope"
check "503 recorded status" "$(jget "$(getj 'requests?path=/fail')" 'x[0].status')" "503"
# raw body bytes (invalid UTF-8 and a NUL) given in base64
behave '{"path":"/raw","status":500,"bodyBase64":"YQD/Yg=="}'
check "bodyBase64 status" "$(curl -s -o "$WORK/raw" -w '%{http_code}' -X POST "$B/raw" --data-binary x)" "500"
check "bodyBase64 bytes" "$(od -An -tx1 "$WORK/raw" | tr -d ' \n')" "6100ff62"
check "bodyBase64 not base64" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"path":"/x","bodyBase64":"!"}' "$C/behaviour")" "400"
behave '{"path":"/first","failFirst":2}'
FF=""
for _ in 1 2 3; do FF="$FF$(curl -s -o /dev/null -w '%{http_code} ' -X POST "$B/first" --data-binary x)"; done
check "failFirst 2" "$FF" "503 503 200 "
check "health tells the time" "$(jget "$(getj health)" 'Math.abs(x.now - Date.now()) < 1000')" "true"

# 6. delay
behave '{"path":"/slow","delayMs":400}'
T="$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -X POST "$B/slow" --data-binary x)"
check "delay status" "${T% *}" "200"
check "delay took >= 0.4 s" "$(node -e 'process.stdout.write(String(Number(process.argv[1]) >= 0.39))' "${T#* }")" "true"

# 7. drop -> connection reset, no answer
behave '{"path":"/drop","drop":true}'
curl -s -o /dev/null -X POST "$B/drop" --data-binary x; RC=$?
check "drop: curl gets no answer" "$([ "$RC" -ne 0 ] && echo yes || echo "no (rc=$RC)")" "yes"
check "drop recorded" "$(jget "$(getj 'requests?path=/drop')" 'x[0].outcome + "," + x[0].status')" "drop,null"

# 8. hangForever and timeoutRate -> no answer within the client's timeout
behave '{"path":"/hang","hangForever":true}'
curl -s -o /dev/null --max-time 1 -X POST "$B/hang" --data-binary x; RC=$?
check "hang: curl times out" "$RC" "28"
behave '{"path":"/rates","timeoutRate":1}'
curl -s -o /dev/null --max-time 1 -X POST "$B/rates" --data-binary x; RC=$?
check "timeoutRate 1: curl times out" "$RC" "28"
check "timeout outcome" "$(jget "$(getj 'requests?path=/rates')" 'x[0].outcome')" "timeout"
check "timed-out clients are not held" "$(jget "$(getj health)" 'x.hung')" "0"
curl -s -o /dev/null --max-time 20 -X POST "$B/hang" --data-binary x & HC=$!
check "hung request arrives" "$(jget "$(getj 'wait?path=/hang&count=2&timeoutMs=5000')" 'x.reached')" "true"
sleep 0.1
check "release hung" "$(jget "$(post release '')" 'x.released')" "1"
wait "$HC"; RC=$?
check "released client gets no answer" "$([ "$RC" -ne 0 ] && [ "$RC" -ne 28 ] && echo yes || echo "no (rc=$RC)")" "yes"
behave '{"path":"/rates","failRate":1,"retryAfter":"7"}'
check "failRate 1 -> 503" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/rates" --data-binary x)" "503"
check "fail outcome" "$(jget "$(getj 'requests?path=/rates')" 'x[1].outcome')" "fail"
behave '{"path":"/mix","failRate":0.5,"seed":42}'
for _ in $(seq 1 40); do curl -s -o /dev/null -X POST "$B/mix" --data-binary x; done
CNT="$(getj 'count?path=/mix')"
check "mixed outcomes" "$(jget "$CNT" 'x.count === 40 && x.outcomes.ok > 5 && x.outcomes.fail > 5')" "true"

# 9. redirect, huge body, garbage
behave '{"path":"/redir","redirectTo":"http://127.0.0.1:9/elsewhere"}'
check "redirect" "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -X POST "$B/redir" --data-binary x)" \
  "302 http://127.0.0.1:9/elsewhere"
behave '{"path":"/huge","hugeBodyBytes":5000000}'
check "huge body" "$(curl -s -o /dev/null -w '%{http_code} %{size_download}' -X POST "$B/huge" --data-binary x)" "200 5000000"
behave '{"path":"/garbage","garbage":true}'
curl -s -o /dev/null -X POST "$B/garbage" --data-binary x; RC=$?
check "garbage: curl fails" "$([ "$RC" -ne 0 ] && echo yes || echo "no (rc=$RC)")" "yes"
check "garbage recorded" "$(jget "$(getj 'requests?path=/garbage')" 'x[0].outcome')" "garbage"

# 10. prefix and default behaviours
behave '{"path":"/pre/*","status":202}'
behave '{"path":"*","status":204}'
check "prefix behaviour" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/pre/abc" --data-binary x)" "202"
check "default behaviour" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/other" --data-binary x)" "204"
check "exact beats default" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/whsec" --data-binary x)" "200"

# 11. keep-alive: two requests over one connection
curl -s -o /dev/null -o /dev/null -X POST "$B/ka" "$B/ka" --data-binary x
R="$(getj 'requests?path=/ka')"
check "keep-alive reuses the connection" "$(jget "$R" 'x.length === 2 && x[0].remotePort === x[1].remotePort')" "true"

# 12. since, wait, sequence order
ALL="$(getj 'requests')"
LAST="$(jget "$ALL" 'x[x.length - 1].seq')"
check "seq ascending" "$(jget "$ALL" 'x.every((r, i) => i === 0 || r.seq > x[i - 1].seq)')" "true"
check "since" "$(jget "$(getj "requests?since=$((LAST - 2))")" 'x.length')" "2"
(sleep 0.3; curl -s -o /dev/null -X POST "$B/later" --data-binary x) &
check "wait reached" "$(jget "$(getj 'wait?path=/later&count=1&timeoutMs=5000')" 'x.reached + "," + x.count')" "true,1"
wait $!
check "wait times out" "$(jget "$(getj 'wait?path=/never&count=1&timeoutMs=200')" 'x.reached')" "false"

# 13. JSONL log: one line per recorded request
TOTAL="$(jget "$(getj 'count')" 'x.count')"
sleep 0.1
check "log lines" "$(wc -l <"$WORK/log.jsonl" | tr -d ' ')" "$TOTAL"
check "log line is a record" "$(jget "$(head -n1 "$WORK/log.jsonl")" 'x.seq + "," + x.verified')" "1,true"

# 14. bad control input
check "unknown field rejected" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"path":"/x","nope":1}' "$C/behaviour")" "400"
check "bad whsec secret rejected" "$(curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"path":"/x","secret":"whsec_!!"}' "$C/behaviour")" "400"

# 15. clear and reset
check "DELETE missing -> 404" "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$C/nothing")" "404"
check "clear log" "$(curl -s -X DELETE "$C/requests" >/dev/null; jget "$(getj 'count')" 'x.count')" "0"
check "reset" "$(jget "$(post reset '')" 'x.ok')" "true"
check "reset clears behaviours" "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$B/fail" --data-binary x)" "200"
check "behaviour list empty" "$(jget "$(getj 'behaviours')" 'x.length')" "0"

# 16. only loopback addresses
node receiver.js --port 0 --host 0.0.0.0 >/dev/null 2>&1; RC=$?
check "refuses 0.0.0.0" "$RC" "2"
node receiver.js --port 0 --host 10.1.2.3 >/dev/null 2>&1; RC=$?
check "refuses 10.1.2.3" "$RC" "2"

# 17. IPv6 loopback (when the machine has it)
if start_receiver "$WORK/out6" --port 0 --host ::1; then
  check "::1 health" "$(curl -s "http://[::1]:$RPORT/_control/health" | head -c 9)" '{"ok":tru'
else
  echo "note: ::1 unavailable, skipped" >&2
fi

# 18. HTTPS with a self-signed certificate
if openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 1 \
     -subj '/CN=127.0.0.1' >/dev/null 2>&1 \
   && start_receiver "$WORK/out-tls" --port 0 --tls-cert "$WORK/cert.pem" --tls-key "$WORK/key.pem"; then
  TB="https://127.0.0.1:$RPORT"
  curl -sk -X POST "$TB/_control/behaviour" -d "{\"path\":\"/s\",\"secret\":\"$WHSEC\"}" >/dev/null
  B="$TB"
  check "https delivery" "$(deliver /s "$(hexkey_whsec "$WHSEC")" -k)" "200"
  R="$(curl -sk "$TB/_control/requests?path=/s")"
  check "https recorded" "$(jget "$R" 'x[0].tls + "," + x[0].verified')" "true,true"
else
  bad "https receiver did not start: $(cat "$WORK/out-tls.err" 2>/dev/null)"
fi

echo "receiver selftest: $PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
