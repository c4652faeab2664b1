#!/bin/sh
# ai-journal-shim v3: a git hook written by `ai-journal install --native`.
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

# post-commit only appends one event line: written here with the bytes journal/fastpath.py writes,
# from one git process, so a commit starts one Python process (the stage), not two. Returns
# non-zero, before writing anything, whenever it is unsure; Python then does it.
post_commit_event() {
    [ "${AI_JOURNAL_PROFILE:-}" != 1 ] || return 1
    # fastpath.py leaves redirected object stores and repositories to the full hook
    [ -z "${GIT_OBJECT_DIRECTORY+x}${GIT_ALTERNATE_OBJECT_DIRECTORIES+x}${GIT_COMMON_DIR+x}" ] ||
        return 1
    out=$(git rev-parse --git-dir --git-common-dir --show-toplevel HEAD 'HEAD^@' \
        --symbolic-full-name HEAD) || return 1
    ifs=$IFS
    IFS='
'
    set -f
    # shellcheck disable=SC2086 # split into lines on purpose
    set -- $out
    set +f
    IFS=$ifs
    [ $# -ge 5 ] || return 1
    # the top level is physical, as fastpath.py's realpath of the hook's working directory
    git_dir=$1 common=$2 top=$3 sha=$4
    shift 4
    parents=0
    while [ $# -gt 1 ]; do
        case $1 in *[!0-9a-f]* | "") return 1 ;; esac
        parents=$((parents + 1))
        shift
    done
    case $sha in *[!0-9a-f]* | "") return 1 ;; esac
    [ ${#sha} -eq 40 ] || [ ${#sha} -eq 64 ] || return 1
    case $1 in
    HEAD) name= branch=null ;;
    refs/heads/?*) name=${1#refs/heads/} branch=\"${1#refs/heads/}\" ;;
    *) return 1 ;;
    esac
    # JSON strings written as they are: printable ASCII without a quote or a backslash
    case $top$name in *[!\ -~]* | *\"* | *\\*) return 1 ;; esac
    ts=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) || return 1
    case $ts in
    [0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z) ;;
    *) return 1 ;; # a date(1) without %N
    esac
    marker=
    for name in rebase-merge rebase-apply sequencer CHERRY_PICK_HEAD REVERT_HEAD; do
        if [ -e "$git_dir/$name" ]; then
            marker=$name
            break
        fi
    done
    tail="\"sha\":\"$sha\",\"ts\":\"$ts\",\"v\":1,\"worktree\":\"$top\"}"
    if [ -n "$marker" ]; then
        line="{\"hook\":\"post-commit\",\"sequencer\":\"$marker\",$tail"
    else
        line="{\"branch\":$branch,\"hook\":\"post-commit\",\"parents\":$parents,$tail"
    fi
    [ -d "$common/ai-journal" ] || mkdir -p "$common/ai-journal" || return 1
    written=
    # one printf of one short line is one write(2) on an O_APPEND file: lines never interleave.
    # A failed write is closed with a newline, as events.py does, and handed to Python, which
    # writes the line or reports the full disk.
    {
        if printf '%s\n' "$line" >&9; then written=1; else printf '\n' >&9; fi
    } 9>>"$common/ai-journal/events.jsonl"
    [ -n "$written" ]
} 2>/dev/null

ai_status=0
if [ "$hook" = post-commit ] && [ -x "$AI_JOURNAL_PYTHON" ] && post_commit_event; then
    : # recorded without Python
elif [ -x "$AI_JOURNAL_PYTHON" ]; then
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
