import hashlib
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from journal.config import Config
from journal.errors import JournalError
from journal.paths import relativize, replace_roots, tildify
from journal.redact import Redactor
from testing.git_repo import GitRepo

# Built from pieces so that the test file itself does not look like a leaked credential.
B62 = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8S9t0U1v2W3x4Y5z6"
TOKEN_SECRETS = {
    "openai_key": [
        "sk-" + B62[:48],
        "sk-proj-" + B62 + "-_" + B62,
        "sk-svcacct-" + B62[:40],
        "sk-1234567890abcdef1234567890abcdef",
    ],
    "anthropic_key": ["sk-ant-api03-" + B62 + "_" + B62[:40] + "-AA"],
    "github_token": [
        "ghp_" + B62[:36],
        "gho_" + B62[2:38],
        "ghu_" + B62[4:40],
        "ghs_" + B62[6:42],
        "ghr_" + B62[8:44],
        "github_pat_11" + B62[:20] + "_" + B62[:59],
    ],
    "gitlab_token": ["glpat-" + B62[:20], "gldt-" + B62[:24], "glrt-" + B62[3:30] + ".01.abc123"],
    "slack_token": [
        "xoxb-1234567890-0987654321-" + B62[:24],
        "xoxp-1234567890-" + B62[:30],
        "xapp-1-A0123456789-" + B62[:20],
    ],
    "slack_webhook": ["https://hooks.slack.com/services/T0001/B0002/" + B62[:24]],
    "stripe_key": ["sk_live_" + B62[:24], "sk_test_" + B62[:24], "rk_live_" + B62[:24]],
    "aws_access_key_id": ["AKIA" + "IOSFODNN7EXAMPLE", "ASIA" + "Y34FZKBOKMUTVV7A"],
    "google_api_key": ["AIza" + "Sy" + B62[:33]],
    "jwt": [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
        ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFkYSJ9"
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    ],
    "private_key": [
        f"-----BEGIN {label}PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
        f"{B62}\nAbCd==\n-----END {label}PRIVATE KEY-----"
        for label in ("", "RSA ", "EC ", "OPENSSH ", "ENCRYPTED ")
    ],
}

CONTEXTS = {
    "prompt": "Please call the billing API with {s} and tell me what it returns.",
    "shell": "curl -s https://api.example.com/v1/items -d 'key={s}' | jq '.items[0]'",
    "output": 'Traceback (most recent call last):\n  File "app.py", line 3\nValueError: bad key {s}\n',
    "env": "NODE_ENV=production\nSERVICE_TOKEN={s}\nPORT=8080\n",
    "curl_header": 'curl -H "X-Custom: {s}" -H "Accept: application/json" https://example.com',
    "patch": '*** Begin Patch\n*** Update File: settings.py\n@@\n-KEY = None\n+KEY = "{s}"\n*** End Patch\n',
}

TOKEN_CASES = [
    (kind, secret, context)
    for kind, secrets in TOKEN_SECRETS.items()
    for secret in secrets
    for context in CONTEXTS
]


@pytest.fixture
def redactor() -> Redactor:
    return Redactor.from_config(Config())


@pytest.mark.parametrize(("kind", "secret", "context"), TOKEN_CASES)
def test_token_kinds_are_replaced_in_realistic_text(
    redactor: Redactor, kind: str, secret: str, context: str
) -> None:
    text = CONTEXTS[context].format(s=secret)
    out = redactor.redact(text)
    assert secret not in out
    assert f"[REDACTED:{kind}]" in out
    assert out == CONTEXTS[context].format(s=f"[REDACTED:{kind}]")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "git clone https://ada:hunter2pass@git.example.com/team/app.git",
            "git clone https://ada:[REDACTED:url_password]@git.example.com/team/app.git",
        ),
        (
            "DATABASE_URL=postgres://app:pa%40ss;word@db:5432/app",
            "DATABASE_URL=postgres://app:[REDACTED:url_password]@db:5432/app",
        ),
        ("redis://:s3cret@cache:6379/0", "redis://:[REDACTED:url_password]@cache:6379/0"),
        (
            "curl -H 'Authorization: Bearer abcDEF1234567890xyz' https://api.example.com",
            "curl -H 'Authorization: Bearer [REDACTED:auth_header]' https://api.example.com",
        ),
        (
            'curl -H "Authorization: token 0123456789abcdef0123" https://api.github.com/user',
            'curl -H "Authorization: token [REDACTED:auth_header]" https://api.github.com/user',
        ),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: Basic [REDACTED:auth_header]"),
        (
            'curl --header "PRIVATE-TOKEN: abcdef123456ghijkl" https://gitlab.example.com/api/v4',
            'curl --header "PRIVATE-TOKEN: [REDACTED:auth_header]" https://gitlab.example.com/api/v4',
        ),
        ("x-api-key: 0a1b2c3d4e5f6a7b8c9d", "x-api-key: [REDACTED:auth_header]"),
        (
            'headers = {"Authorization": "Bearer 9f8e7d6c5b4a39281706"}',
            'headers = {"Authorization": "Bearer [REDACTED:auth_header]"}',
        ),
        (
            "the server answered with bearer 0f1e2d3c4b5a69788796 in the log",
            "the server answered with bearer [REDACTED:bearer_token] in the log",
        ),
        (
            "[default]\naws_access_key_id = AKIA" + "IOSFODNN7EXAMPLE\n"
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
            "[default]\naws_access_key_id = [REDACTED:aws_access_key_id]\n"
            "aws_secret_access_key = [REDACTED:aws_secret_key]\n",
        ),
    ],
)
def test_structural_secrets_keep_their_labels(redactor: Redactor, text: str, expected: str) -> None:
    assert redactor.redact(text) == expected


ENV_DUMP = """\
# .env
APP_NAME=shop
DB_PASSWORD=hunter2
export STRIPE_SECRET=abc123def
API_KEY="quoted value with spaces"
GITHUB_TOKEN='single-quoted'
DB_PASSWD=pw1
MYSQL_PWD=pw2
JWT_PRIVATE_KEY=keymaterial
AWS_ACCESS_KEY=whatever
GOOGLE_APPLICATION_CREDENTIALS=/srv/creds.json
BASIC_AUTH=ada:lovelace
clientSecret=camel
"""

ENV_DUMP_REDACTED = """\
# .env
APP_NAME=shop
DB_PASSWORD=[REDACTED:secret_assignment]
export STRIPE_SECRET=[REDACTED:secret_assignment]
API_KEY="[REDACTED:secret_assignment]"
GITHUB_TOKEN='[REDACTED:secret_assignment]'
DB_PASSWD=[REDACTED:secret_assignment]
MYSQL_PWD=[REDACTED:secret_assignment]
JWT_PRIVATE_KEY=[REDACTED:secret_assignment]
AWS_ACCESS_KEY=[REDACTED:secret_assignment]
GOOGLE_APPLICATION_CREDENTIALS=[REDACTED:secret_assignment]
BASIC_AUTH=[REDACTED:secret_assignment]
clientSecret=[REDACTED:secret_assignment]
"""


def test_env_dump_values_are_redacted_and_names_kept(redactor: Redactor) -> None:
    assert redactor.redact(ENV_DUMP) == ENV_DUMP_REDACTED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("password: hunter2\n", "password: [REDACTED:secret_assignment]\n"),
        ("  - api_key: abc123\n", "  - api_key: [REDACTED:secret_assignment]\n"),
        ('{"client_secret": "s3cr3t", "user": "ada"}', None),
        ("const apiKey = 'abcdef';", "const apiKey = '[REDACTED:secret_assignment]';"),
        (
            "docker login --password hunter2 --username ada registry.example.com",
            "docker login --password [REDACTED:secret_assignment] --username ada registry.example.com",
        ),
        ("mytool --api-key=abc123 run", "mytool --api-key=[REDACTED:secret_assignment] run"),
        (
            "OPENAI_API_KEY=sk-" + B62[:48] + " python app.py",
            "OPENAI_API_KEY=[REDACTED:openai_key] python app.py",
        ),
    ],
)
def test_assignments_in_config_code_and_flags(
    redactor: Redactor, text: str, expected: str | None
) -> None:
    if expected is None:
        expected = '{"client_secret": "[REDACTED:secret_assignment]", "user": "ada"}'
    assert redactor.redact(text) == expected


LOOK_ALIKES = [
    "commit 3f9c2a1d4b5e6f708192a3b4c5d6e7f8091a2b3c (HEAD -> main)",
    "sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
    "session 019c8a59-e9dd-71f0-9ae3-4079fe9726a9 and 550e8400-e29b-41d4-a716-446655440000",
    "data = base64.b64decode('SGVsbG8sIFdvcmxkISBUaGlzIGlzIHRlc3QgZGF0YQ==')",
    "The token is refreshed by the auth module; the password never leaves the browser.",
    "Token: it is used for auth.",
    "Authorization: required for all endpoints",
    "Use a bearer token in the Authorization header.",
    "PASSWORD=\nSECRET=''\n",
    "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=$API_KEY\nTOKEN=<token>\nSECRET={secret}\n",
    "PASSWORD=changeme\nAPI_KEY=your_api_key_here\nTOKEN=xxxxxxxx\nSECRET=***\n",
    "AUTH_ENABLED=true\nTOKEN=null\ntoken: ${{ secrets.GITHUB_TOKEN }}\n",
    "token = os.environ['TOKEN']\npassword = request.form['password']\n",
    'const secret = process.env.SECRET;\nheaders = {"Authorization": f"Bearer {token}"}',
    "PWD=/srv/app\nOLDPWD=/srv\nGIT_AUTHOR_NAME=Ada Tester\nMAX_TOKENS=4096\nmax_tokens=1000",
    "AUTHOR=ada\nOAUTH_SCOPES=repo",
    "git push git@github.com:acme/app.git && ssh://git@host:22/repo.git",
    "http://localhost:8080/health and https://example.com/a:b",
    "task-runner-for-the-nightly-build-2 and disk-usage-report-2024-01-01",
    "cat /etc/passwd | grep ada",
    "pytest -q tests/test_token_refresh.py::test_expired_token",
    "[REDACTED:openai_key] and DB_PASSWORD=[REDACTED:secret_assignment]",
]


@pytest.mark.parametrize("text", LOOK_ALIKES)
def test_look_alikes_survive(redactor: Redactor, text: str) -> None:
    assert redactor.redact(text) == text
    assert redactor.findings(text) == []


def test_an_unterminated_private_key_is_redacted_through_its_body(redactor: Redactor) -> None:
    text = "cat key.pem\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow" + B62 + "\nAAAB"
    assert redactor.redact(text) == "cat key.pem\n[REDACTED:private_key]"


def test_private_key_inside_an_escaped_command_string(redactor: Redactor) -> None:
    text = (
        'printf "-----BEGIN EC PRIVATE KEY-----\\nMHcC'
        + B62
        + '\\n-----END EC PRIVATE KEY-----\\n" > k'
    )
    assert redactor.redact(text) == 'printf "[REDACTED:private_key]\\n" > k'


def test_findings_report_kind_span_and_fingerprint(redactor: Redactor) -> None:
    secret = TOKEN_SECRETS["github_token"][0]
    text = f"GH={secret} cd /home/ada/app"
    github, home = redactor.findings(text)
    assert (github.kind, text[github.start : github.end]) == ("github_token", secret)
    assert github.fingerprint == hashlib.sha256(secret.encode()).hexdigest()[:16]
    assert (home.kind, text[home.start : home.end]) == ("home_path", "/home/ada")
    assert redactor.findings(redactor.redact(text)) == []


def test_custom_patterns_from_config() -> None:
    redactor = Redactor.from_config(Config(redact_patterns=(r"ACME-[0-9]{6}",)))
    assert redactor.redact("ticket ACME-123456 closed") == "ticket [REDACTED:custom] closed"
    with pytest.raises(JournalError, match=r"redact\.patterns"):
        Redactor.from_config(Config(redact_patterns=("(unclosed",)))


SNIPPETS = [
    *(s for secrets in TOKEN_SECRETS.values() for s in secrets),
    "PASSWORD=",
    "TOKEN: ",
    "export API_KEY=",
    '"secret": "',
    "--password ",
    "Authorization: Bearer ",
    "https://u:",
    "@host/",
    "[REDACTED:",
    "jwt]",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "/home/ada/",
    "C:\\Users\\ada\\",
    "sk-",
    "ghp_",
    "eyJ",
    "\n",
    " ",
    "'",
    '"',
    "=",
    ":",
    "ACME-12345",
]


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=12)), max_size=12))
def test_redaction_is_idempotent(parts: list[str]) -> None:
    redactor = Redactor.from_config(Config(redact_patterns=(r"ACME-\d{4,}", r"[A-Z]{5,}")))
    once = redactor.redact("".join(parts))
    assert redactor.redact(once) == once
    assert redactor.findings(once) == []


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from([s for secrets in TOKEN_SECRETS.values() for s in secrets]),
    st.text(alphabet=" \n\t.,;:()[]'\"=", min_size=1, max_size=3),
    st.text(alphabet=" \n\t.,;:()[]'\"", max_size=3),
)
def test_a_planted_secret_never_survives(secret: str, before: str, after: str) -> None:
    redactor = Redactor.from_config(Config())
    assert secret not in redactor.redact(f"note{before}{secret}{after}end")


# -- home paths and repository paths --------------------------------------------------------------


def test_home_forms_become_tilde(hermetic: Path) -> None:
    redactor = Redactor.from_config(Config())
    text = (
        f"ls {hermetic}/proj /home/bob/x /Users/carol/src C:\\Users\\Ada Lovelace\\app /root/.ssh\n"
        f"HOME={hermetic}"
    )
    assert redactor.redact(text) == "ls ~/proj ~/x ~/src ~\\app ~/.ssh\nHOME=~"
    kept = "/srv/home/x /homework /var/home /tmp/x/Users"
    assert redactor.redact(kept) == kept


def test_symlinked_home_is_recognised_by_its_real_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = tmp_path / "disk" / "ada"
    real.mkdir(parents=True)
    link = tmp_path / "h"
    link.symlink_to(real)
    monkeypatch.setenv("HOME", str(link))
    redactor = Redactor.from_config(Config())
    assert redactor.redact(f"{real}/notes and {link}/notes") == "~/notes and ~/notes"
    assert tildify(f"{real}/a") == "~/a"


def test_relativize_inside_outside_and_worktrees(repo: GitRepo, hermetic: Path) -> None:
    repo.commit("first", {"src/app.py": "x\n"})
    tree = repo.path.parent / "tree-b"
    repo.git("worktree", "add", "-q", str(tree), "-b", "b")
    roots = [repo.path, tree]
    assert relativize(str(repo.path / "src" / "app.py"), repo.path, roots) == "src/app.py"
    assert relativize(str(repo.path), repo.path, roots) == "."
    assert relativize(f"{repo.path}/src/../README.md", repo.path, roots) == "README.md"
    assert relativize(str(tree / "lib" / "x.py"), repo.path, roots) == "lib/x.py"
    assert relativize(str(hermetic / "notes" / "a.md"), repo.path, roots) == "~/notes/a.md"
    assert relativize("/etc/hosts", repo.path, roots) == "/etc/hosts"
    assert relativize("src/./x.py", repo.path, roots) == "src/x.py"
    assert relativize("C:\\Users\\ada\\app\\x.py", repo.path, roots) == "~\\app\\x.py"


def test_relativize_follows_symlinks_into_the_repository(repo: GitRepo, tmp_path: Path) -> None:
    link = tmp_path / "shortcut"
    link.symlink_to(repo.path)
    (repo.path / "src").mkdir()
    assert relativize(f"{link}/src/app.py", repo.path, [repo.path]) == "src/app.py"
    assert relativize(str(link), repo.path, [repo.path]) == "."
    # and a toplevel given through the link still matches the real path
    assert relativize(f"{repo.path}/src", link, []) == "src"


def test_replace_roots_in_free_text(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    text = f"cd {root} && cat {root}/src/a.py {root}-old/x {tmp_path}/other"
    expected = f"cd . && cat ./src/a.py {root}-old/x {tmp_path}/other"
    assert replace_roots(text, [root]) == expected


def test_redaction_is_fast_enough(redactor: Redactor) -> None:
    import time

    chunk = "pytest -q tests/ && git commit -m 'fix: handle the token refresh' # plain text\n"
    text = chunk * 2000  # ~160 kB of ordinary shell text
    start = time.perf_counter()
    assert redactor.redact(text) == text
    assert time.perf_counter() - start < 2.0, (
        "redaction of ordinary text should be linear and quick"
    )


def test_home_env_is_read_when_the_redactor_is_built(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/opt/people/ada")
    assert Redactor().redact("/opt/people/ada/x") == "~/x"
    assert os.environ["HOME"] == "/opt/people/ada"
