#!/bin/sh
# ai-journal-shim v2: a git hook written by `ai-journal install --native`.
# `ai-journal uninstall` removes it and puts back the hook it replaced.
#
# Runs `ai-journal hook <this hook's name> <git's arguments>`, then the hook that was here before
# (<name>.ai-journal-prev) with the same arguments and the same stdin, and exits with that hook's
# status. ai-journal's own status is ignored (it must never fail a git command), but for one: 65
# from pre-commit is the secret gate refusing the commit.
AI_JOURNAL_PYTHON=@PYTHON@
AI_JOURNAL_PATH=@PATH@

hook=${0##*/}
stdin_copy=""
if [ "$hook" = post-rewrite ]; then
    # git writes the old->new map to post-rewrite's stdin; both hooks need it.
    stdin_copy=$(mktemp "${TMPDIR:-/tmp}/ai-journal-stdin.XXXXXX") && cat >"$stdin_copy"
fi

ai_status=0
if [ -x "$AI_JOURNAL_PYTHON" ]; then
    # -c rather than -m (runpy and importlib.util would cost more than the hook itself mid-rebase),
    # and -S: the fast paths need no site-packages; the rest loads `site` when it needs it.
    "$AI_JOURNAL_PYTHON" -S -P -c 'import sys; sys.path.append(sys.argv.pop(1))
try: import journal.entry as e
except ImportError: import site; site.main(); import journal.entry as e
sys.exit(e.main())' "$AI_JOURNAL_PATH" hook "$hook" "$@" <"${stdin_copy:-/dev/null}"
    ai_status=$?
elif command -v ai-journal >/dev/null 2>&1; then
    ai-journal hook "$hook" "$@" <"${stdin_copy:-/dev/null}"
    ai_status=$?
fi
if [ "$hook" = pre-commit ] && [ "$ai_status" -eq 65 ]; then
    exit 65
fi

status=0
prev="${0%/*}/$hook.ai-journal-prev"
if [ -x "$prev" ]; then
    if [ -n "$stdin_copy" ]; then
        "$prev" "$@" <"$stdin_copy"
    else
        "$prev" "$@"
    fi
    status=$?
fi
if [ -n "$stdin_copy" ]; then
    rm -f "$stdin_copy"
fi
exit "$status"
