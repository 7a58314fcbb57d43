#!/usr/bin/env bash
# Posts a summary of a Terrace drift report to a chat incoming webhook (Slack, Mattermost or
# a Microsoft Teams workflow).
#
#   terrace drift --fail-on medium --notify-command terrace-drift-notify
#
# Terrace runs the notify command through `sh -c` with the JSON drift report
# (state/drift-report.schema.json) on stdin whenever a run finds drift at or above
# --fail-on. Install this file as /usr/local/bin/terrace-drift-notify (mode 0755).
#
# Environment:
#   TERRACE_DRIFT_WEBHOOK_URL        the incoming webhook URL
#   TERRACE_DRIFT_WEBHOOK_URL_FILE   or a file whose first line is the URL (systemd
#                                    LoadCredential=, Docker and Kubernetes secrets)
#   TERRACE_DRIFT_WEBHOOK_KIND       slack (default), mattermost or teams
#   TERRACE_DRIFT_LINK               a URL added to the message (CI job, dashboard)
#   TERRACE_DRIFT_NOTIFY_MAX         findings listed one per line (default 10)
#   TERRACE_DRIFT_NOTIFY_STATE_FILE  optional (needs jq): where to remember what was last
#                                    posted; a report with the same findings at the same
#                                    state serial is not posted again within a day, so a
#                                    run every 15 minutes does not repeat the same message
#   TERRACE_DRIFT_NOTIFY_DRY_RUN=1   print the payload on stdout instead of posting it
#
# With jq, the message lists the most severe findings; without jq it carries the counts
# only. Exit status: 0 when the webhook accepted the message (or on a dry run), 1 otherwise.
set -euo pipefail

die() {
  printf 'terrace-drift-notify: %s\n' "$*" >&2
  exit 1
}

kind=${TERRACE_DRIFT_WEBHOOK_KIND:-slack}
max=${TERRACE_DRIFT_NOTIFY_MAX:-10}
link=${TERRACE_DRIFT_LINK:-}
dry_run=${TERRACE_DRIFT_NOTIFY_DRY_RUN:-0}
host=$(uname -n)

case $kind in
  slack | mattermost | teams) ;;
  *) die "TERRACE_DRIFT_WEBHOOK_KIND must be slack, mattermost or teams, not '$kind'" ;;
esac
case $max in
  '' | *[!0-9]*) die "TERRACE_DRIFT_NOTIFY_MAX must be a whole number, not '$max'" ;;
esac

url=${TERRACE_DRIFT_WEBHOOK_URL:-}
if [ -z "$url" ] && [ -n "${TERRACE_DRIFT_WEBHOOK_URL_FILE:-}" ]; then
  url=$(head -n 1 -- "$TERRACE_DRIFT_WEBHOOK_URL_FILE") ||
    die "cannot read TERRACE_DRIFT_WEBHOOK_URL_FILE ($TERRACE_DRIFT_WEBHOOK_URL_FILE)"
fi
if [ -z "$url" ] && [ "$dry_run" != 1 ]; then
  die "no webhook: set TERRACE_DRIFT_WEBHOOK_URL or TERRACE_DRIFT_WEBHOOK_URL_FILE"
fi

report=$(cat)
[ -n "$report" ] || die "no drift report on stdin"

# The payload with jq: a headline with the counts, then the findings, most severe first.
payload_jq() {
  printf '%s' "$report" | jq -c \
    --arg kind "$kind" --arg host "$host" --arg link "$link" --argjson max "$max" '
    def esc: if $kind == "slack"
      then gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;") else . end;
    def bold: if $kind == "slack" then "*\(.)*" else "**\(.)**" end;
    def code: if $kind == "teams" then . else "`\(.)`" end;
    def rank: {"high": 0, "medium": 1, "low": 2}[.severity] // 3;
    def subject:
      if .address then "\(.address | esc | code) (\(.resource_id | esc))"
      else "\(.resource_type) \(.resource_id | esc | code)"
        + (if .name then " \"\(.name | esc)\"" else "" end)
        + (if .vpc_id then " in \(.vpc_id)" else "" end)
      end;
    def line:
      "- [\(.severity)] \(.kind) \(subject)"
        + (if .path then " \(.path | esc | code)" else "" end)
        + (if .reason then ": \(.reason | esc)" else "" end);
    .summary as $s
    | ([
        "Terrace drift in workspace \(.workspace | esc | bold) on \($host | esc): "
          + "\($s.total) finding(s): high \($s.by_severity.high // 0), "
          + "medium \($s.by_severity.medium // 0), low \($s.by_severity.low // 0)",
        "changed \($s.by_kind.changed // 0), deleted \($s.by_kind.deleted // 0), "
          + "unmanaged \($s.by_kind.unmanaged // 0), untracked \($s.by_kind.untracked // 0)"
      ]
      + (.findings | sort_by(rank) | .[:$max] | map(line))
      + (if ($s.total > $max) then ["... and \($s.total - $max) more"] else [] end)
      + (if $link == "" then []
         elif $kind == "slack" then ["<\($link)|Details>"]
         else ["[Details](\($link))"] end)
      ) | join("\n")
    | if $kind == "teams" then
        {type: "message", attachments: [{
          contentType: "application/vnd.microsoft.card.adaptive",
          content: {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard", version: "1.4",
            body: [{type: "TextBlock", text: ., wrap: true}]
          }
        }]}
      else {text: .} end'
}

# The payload without jq: the counts, read with grep from the summary (which the report
# writes before the findings, so the first match of each key is the summary's).
payload_plain() {
  local flat workspace total high medium low text
  flat=$(printf '%s' "$report" | tr -d '\r\n')
  field() {
    printf '%s' "$flat" | grep -o "\"$1\"[[:space:]]*:[[:space:]]*[0-9][0-9]*" | head -n 1 |
      sed 's/.*:[[:space:]]*//'
  }
  workspace=$(printf '%s' "$flat" | grep -o '"workspace"[[:space:]]*:[[:space:]]*"[^"]*"' |
    head -n 1 | sed 's/.*:[[:space:]]*"//; s/"$//')
  total=$(field total)
  [ -n "$total" ] || die "stdin is not a drift report (no summary.total)"
  high=$(field high)
  medium=$(field medium)
  low=$(field low)
  text="Terrace drift in workspace ${workspace:-default} on $host: $total finding(s):"
  text="$text high ${high:-0}, medium ${medium:-0}, low ${low:-0}."
  text="$text Run terrace drift there for details."
  if [ -n "$link" ]; then text="$text $link"; fi
  # JSON string escaping: the text holds no control characters, only \ and " need it.
  text=$(printf '%s' "$text" | sed 's/\\/\\\\/g; s/"/\\"/g')
  if [ "$kind" = teams ]; then
    # shellcheck disable=SC2016 # "$schema" is a JSON key, not a shell expansion.
    printf '{"type":"message","attachments":[{"contentType":"application/vnd.microsoft.card.adaptive","content":{"$schema":"http://adaptivecards.io/schemas/adaptive-card.json","type":"AdaptiveCard","version":"1.4","body":[{"type":"TextBlock","text":"%s","wrap":true}]}}]}\n' "$text"
  else
    printf '{"text":"%s"}\n' "$text"
  fi
}

state_file=${TERRACE_DRIFT_NOTIFY_STATE_FILE:-}
digest=
if command -v jq >/dev/null 2>&1; then
  payload=$(payload_jq) || die "stdin is not a drift report jq can read"
  if [ -n "$state_file" ]; then
    digest=$(printf '%s' "$report" | jq -cS '[.workspace, .lineage, .serial, .findings]' |
      cksum | cut -d ' ' -f 1)
    # The same findings posted less than 24 hours ago: nothing new to say.
    if [ -f "$state_file" ] && [ "$(cat -- "$state_file")" = "$digest" ] &&
      [ -z "$(find "$state_file" -mmin +1440)" ]; then
      exit 0
    fi
  fi
else
  payload=$(payload_plain)
fi

if [ "$dry_run" = 1 ]; then
  printf '%s\n' "$payload"
  exit 0
fi

command -v curl >/dev/null 2>&1 || die "curl is required to post to the webhook"

# The URL is a secret: it goes to curl through a config file on a pipe, not through argv
# (which every local user can read in /proc).
curl_url=$(printf '%s' "$url" | sed 's/\\/\\\\/g; s/"/\\"/g')
status=0
response=$(printf '%s' "$payload" |
  curl --silent --show-error --max-time 30 --retry 3 --retry-connrefused \
    --header 'Content-Type: application/json' --data-binary @- \
    --write-out '\n%{http_code}' \
    --config <(printf 'url = "%s"\n' "$curl_url")) || status=$?
[ "$status" -eq 0 ] || die "curl failed with exit status $status"

code=${response##*$'\n'}
body=${response%$'\n'*}
case $code in
  2??) ;;
  *) die "the webhook answered HTTP $code: $body" ;;
esac
if [ -n "$digest" ]; then
  printf '%s\n' "$digest" >"$state_file" ||
    printf 'terrace-drift-notify: cannot write %s; the next run posts again\n' "$state_file" >&2
fi
