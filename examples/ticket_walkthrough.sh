#!/usr/bin/env bash
# A ticket's life over HTTP, step by step (README: "A ticket's life, step by step").
#
# Needs a running `econcierge serve`. Tokens come from `econcierge token`, which must see
# the server's secret: run both with the same ECONCIERGE_DATA_DIR (or ECONCIERGE_JWT_SECRET).
#
#   BASE=http://127.0.0.1:8000 examples/ticket_walkthrough.sh
#
# Stops at the first refused step (non-2xx) and prints the problem-details body.
set -euo pipefail

BASE=${BASE:-http://127.0.0.1:8000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ECONCIERGE=${ECONCIERGE:-$ROOT/.venv/bin/econcierge}
PY=${PYTHON:-$ROOT/.venv/bin/python}
[[ -x $ECONCIERGE ]] || ECONCIERGE=$(command -v econcierge)
[[ -x $PY ]] || PY=$(command -v python3)

exec 3>&1  # the request lines go to stdout too, although `call` runs in $(...)

step() { printf '\n==> %s\n' "$*"; }

# call METHOD PATH TOKEN [JSON]: the response body; on a non-2xx, the problem and exit 1.
call() {
  local method=$1 path=$2 token=$3 body=${4-} out
  local args=(--silent --show-error --fail-with-body -X "$method" "$BASE$path"
              -H "Authorization: Bearer $token")
  [[ -n $body ]] && args+=(-H 'content-type: application/json' --data "$body")
  printf '    %s %s\n' "$method" "$path" >&3
  if ! out=$(curl "${args[@]}"); then
    printf '    refused: %s\n' "$out" >&2
    exit 1
  fi
  printf '%s' "$out"
}

# get JSON PATH...: one field per line, by dotted path (risks.0.risk_id).
get() {
  "$PY" -c '
import json, sys
doc = json.loads(sys.argv[1])
for path in sys.argv[2:]:
    value = doc
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    print(value)' "$@"
}

# show JSON FIELD...: print the fields a step changed.
show() {
  local json=$1 field
  shift
  for field in "$@"; do printf '    %s = %s\n' "$field" "$(get "$json" "$field")"; done
}

# now [MINUTES_AGO]: an ISO 8601 time with its UTC offset (to the microsecond, as the server).
now() {
  "$PY" -c 'import datetime, sys
at = datetime.datetime.now().astimezone() - datetime.timedelta(minutes=int(sys.argv[1]))
print(at.isoformat())' "${1:-0}"
}

OPERATOR=$("$ECONCIERGE" token --role operator --sub op-tanaka)

step "1. The operator applies for a contract; the customer insists on starting today (C1)"
contract=$(call POST /v1/contracts "$OPERATOR" '{
  "customer_name": "Sakura Trading",
  "quote": {"sites": [{"prefecture": "Tokyo", "city": "Minato", "cluster": "hq", "clients": 8}]},
  "insists_mid_month": true}')
CONTRACT_ID=$(get "$contract" id)
show "$contract" id status service_start_date monthly_fee

step "2. The operator registers a concierge who serves Tokyo (K1)"
concierge=$(call POST /v1/concierges "$OPERATOR" '{
  "name": "Sato Kenji", "kind": "sole_proprietor", "regions": ["Tokyo"],
  "skills": ["windows", "network", "printers"]}')
CONCIERGE_ID=$(get "$concierge" id)
show "$concierge" id regions

step "3. The operator proposes the concierge for site cluster hq (K2, K4)"
assignment=$(call POST /v1/assignments "$OPERATOR" "{
  \"contract_id\": \"$CONTRACT_ID\", \"cluster\": \"hq\", \"concierge_id\": \"$CONCIERGE_ID\"}")
ASSIGNMENT_ID=$(get "$assignment" id)
show "$assignment" id status

step "4. The interview is scheduled: here it has just taken place (K4)"
assignment=$(call POST "/v1/assignments/$ASSIGNMENT_ID/interview" "$OPERATOR" \
  "{\"interview_at\": \"$(now 1)\"}")
show "$assignment" status interview_at

CUSTOMER=$("$ECONCIERGE" token --role customer --sub cust-yamada --contract "$CONTRACT_ID")
CONCIERGE=$("$ECONCIERGE" token --role concierge --sub "$CONCIERGE_ID")

step "5. The customer accepts the interviewed concierge (K4)"
assignment=$(call POST "/v1/assignments/$ASSIGNMENT_ID/accept" "$CUSTOMER")
show "$assignment" status accepted_concierge_id

step "6. The operator starts the service: every cluster has its concierge (C6)"
contract=$(call POST "/v1/contracts/$CONTRACT_ID/start" "$OPERATOR")
show "$contract" status started_on

step "7. The customer opens a ticket (S1, O2)"
ticket=$(call POST /v1/tickets "$CUSTOMER" "{
  \"contract_id\": \"$CONTRACT_ID\", \"cluster\": \"hq\", \"kind\": \"trouble\",
  \"summary\": \"The printer on floor 3 jams\",
  \"urgency\": \"high\", \"channel\": \"business_mobile\"}")
TICKET_ID=$(get "$ticket" id)
OPENED_AT=$(get "$ticket" opened_at)
show "$ticket" id status response_deadline
echo "ticket_id=$TICKET_ID"

step "8. The customer instructs the work: no work before an instruction (O5)"
ticket=$(call POST "/v1/tickets/$TICKET_ID/instruction" "$CUSTOMER" \
  '{"what": "Please make the floor 3 printer print again"}')
show "$ticket" status

step "9. The operator classifies it as daily work, inside the fixed fee (S6)"
ticket=$(call POST "/v1/tickets/$TICKET_ID/classification" "$OPERATOR" '{"scope": "daily"}')
show "$ticket" classification.scope

step "10. The concierge discloses a high risk before the work (O6)"
ticket=$(call POST "/v1/tickets/$TICKET_ID/risks" "$CONCIERGE" \
  '{"description": "The firmware update may fail and need the vendor", "level": "high"}')
RISK_ID=$(get "$ticket" risks.0.risk_id)
show "$ticket" risks.0.risk_id risks.0.status

step "11. The customer gives the GO (O6)"
ticket=$(call POST "/v1/tickets/$TICKET_ID/risks/$RISK_ID/acknowledge" "$CUSTOMER")
show "$ticket" risks.0.status

step "12. The concierge starts the work (O5, O6, S6 all satisfied)"
ticket=$(call POST "/v1/tickets/$TICKET_ID/work-started" "$CONCIERGE" \
  '{"work": "Update the firmware, replace the feed roller"}')
show "$ticket" status

step "13. The concierge logs the visit, once it has ended (O1)"
ticket=$(call POST "/v1/tickets/$TICKET_ID/visits" "$CONCIERGE" \
  "{\"arrival\": \"$OPENED_AT\", \"departure\": \"$(now 0)\"}")
show "$ticket" visits.0.arrival visits.0.departure visits.0.off_hours

step "14. The concierge issues the work slip (O7)"
ticket=$(call POST "/v1/tickets/$TICKET_ID/work-slips" "$CONCIERGE" \
  '{"content": "Firmware 2.1 installed, feed roller replaced", "completion": "completed"}')
show "$ticket" work_slips.0.completion

step "15. The concierge resolves the ticket (O7)"
ticket=$(call POST "/v1/tickets/$TICKET_ID/resolution" "$CONCIERGE" \
  '{"outcome": "resolved", "note": "Prints again"}')
show "$ticket" status closed_at

step "16. The customer reads the ticket and the contract"
ticket=$(call GET "/v1/tickets/$TICKET_ID" "$CUSTOMER")
show "$ticket" status version
contract=$(call GET "/v1/contracts/$CONTRACT_ID" "$CUSTOMER")
show "$contract" status started_on earliest_end_date

printf '\nticket %s is %s\n' "$TICKET_ID" "$(get "$ticket" status)"
