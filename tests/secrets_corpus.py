"""A redaction corpus: synthetic secrets of many shapes, and look-alikes that must survive.

Nothing here is a real credential. Every secret is assembled at run time from a prefix and a body
drawn from a seeded hash, so the source never holds a token-shaped literal that a secret scanner
(or a push-protection rule) would take for a leak, and every run builds the same corpus.

`SHAPES` lists what must vanish: each shape's `text` is how it appears in an agent's log, its
`secrets` the parts that must not survive redaction. `LOOK_ALIKES` lists text that must come out of
redaction unchanged, with no finding at all.
"""

from __future__ import annotations

import base64
import hashlib
import string
from typing import NamedTuple

ALNUM = string.ascii_letters + string.digits
UPPER_DIGITS = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


def noise(seed: str, length: int, alphabet: str = ALNUM) -> str:
    """`length` characters of `alphabet`, the same for the same seed."""
    out: list[str] = []
    block = 0
    while len(out) < length:
        digest = hashlib.sha256(f"{seed}/{block}".encode()).digest()
        out += [alphabet[byte % len(alphabet)] for byte in digest]
        block += 1
    return "".join(out[:length])


def mixed(seed: str, length: int) -> str:
    """Random alphanumerics that surely hold an upper-case letter, a lower-case one and a digit."""
    return "Q" + noise(seed, length - 3) + "z7"


class Shape(NamedTuple):
    name: str
    text: str  # how it appears in a prompt, a command or an output
    secrets: tuple[str, ...]  # what must not survive
    kind: str  # the `[REDACTED:<kind>]` it becomes

    @property
    def path_safe(self) -> bool:
        """Recognisable on its own and fit for a file name (one line, no spaces or slashes)."""
        return all(s == self.text for s in self.secrets) and not any(
            c in self.text for c in " \n/\\'\""
        )


def _pem(label: str, seed: str, lines: int = 6) -> tuple[str, tuple[str, ...]]:
    body = [noise(f"{seed}{n}", 64, B64) for n in range(lines)] + [noise(seed, 20, B64) + "=="]
    text = f"-----BEGIN {label}-----\n" + "\n".join(body) + f"\n-----END {label}-----"
    return text, tuple(body)


def _basic(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _jwt(seed: str) -> str:
    head = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(f'{{"sub":"{seed}","exp":1900000000}}'.encode())
    return f"{head}.{claims.decode().rstrip('=')}.{noise(seed, 43, URLSAFE)}"


def _shapes() -> list[Shape]:
    aws_id, aws_sts = (
        "AKIA" + noise("aws", 16, UPPER_DIGITS),
        "ASIA" + noise("sts", 16, UPPER_DIGITS),
    )
    aws_secret = noise("aws-secret", 40, B64)
    azure = noise("azure", 86, B64) + "=="
    sas = noise("sas", 43, B64).replace("+", "%2B").replace("/", "%2F") + "%3D"
    gcp_key, gcp_body = _pem("PRIVATE KEY", "gcp")
    gcp_json = (
        '{\n  "type": "service_account",\n  "project_id": "acme-prod",\n'
        f'  "private_key_id": "{noise("gcp-id", 40, HEX)}",\n'
        f'  "private_key": "{gcp_key.replace(chr(10), chr(92) + "n")}\\n",\n'
        '  "client_email": "deploy@acme-prod.iam.gserviceaccount.com"\n}'
    )
    rsa, rsa_body = _pem("RSA PRIVATE KEY", "rsa")
    ec, ec_body = _pem("EC PRIVATE KEY", "ec", 3)
    openssh, openssh_body = _pem("OPENSSH PRIVATE KEY", "openssh")
    pgp, pgp_body = _pem("PGP PRIVATE KEY BLOCK", "pgp")
    jwt = _jwt("ada")
    tokens = [
        ("openai", "sk-" + mixed("openai", 48), "openai_key"),
        ("openai_project", "sk-proj-" + mixed("proj", 74) + "_" + noise("p2", 60), "openai_key"),
        (
            "anthropic",
            "sk-ant-api03-" + mixed("ant", 93) + "-" + noise("a2", 6) + "AA",
            "anthropic_key",
        ),
        ("github_classic", "ghp_" + noise("ghp", 36), "github_token"),
        ("github_oauth", "gho_" + noise("gho", 36), "github_token"),
        ("github_app", "ghs_" + noise("ghs", 36), "github_token"),
        (
            "github_fine_grained",
            "github_pat_11" + noise("pat", 20) + "_" + noise("pat2", 59),
            "github_token",
        ),
        ("gitlab", "glpat-" + noise("glpat", 20, URLSAFE), "gitlab_token"),
        (
            "slack_bot",
            "xoxb-" + noise("sb", 12, "0123456789") + "-" + noise("sb2", 24),
            "slack_token",
        ),
        (
            "slack_user",
            "xoxp-" + noise("su", 11, "0123456789") + "-" + noise("su2", 32),
            "slack_token",
        ),
        ("stripe_live", "sk_" + "live_" + noise("stripe", 24), "stripe_key"),
        ("stripe_restricted", "rk_" + "live_" + noise("rk", 24), "stripe_key"),
        ("aws_access_key_id", aws_id, "aws_access_key_id"),
        ("aws_session_key_id", aws_sts, "aws_access_key_id"),
        ("google_api_key", "AIza" + noise("gapi", 35, URLSAFE), "google_api_key"),
        ("google_oauth_secret", "GOCSPX-" + noise("gocspx", 28, URLSAFE), "google_oauth_secret"),
        ("twilio_api_key", "SK" + noise("twilio", 32, HEX), "twilio_key"),
        (
            "sendgrid",
            "SG." + noise("sg", 22, URLSAFE) + "." + noise("sg2", 43, URLSAFE),
            "sendgrid_key",
        ),
        ("npm", "npm_" + noise("npm", 36), "npm_token"),
        ("pypi", "pypi-" + "AgEIcHlwaS5vcmc" + noise("pypi", 70, URLSAFE), "pypi_token"),
        ("huggingface", "hf_" + mixed("hf", 34), "huggingface_token"),
        ("shopify", "shpat_" + noise("shop", 32, HEX), "service_token"),
        ("digitalocean", "dop_v1_" + noise("do", 64, HEX), "service_token"),
        ("vault", "hvs." + noise("vault", 90, URLSAFE), "service_token"),
        ("databricks", "dapi" + noise("dbx", 32, HEX), "service_token"),
        (
            "telegram_bot",
            "7" + noise("tg", 9, "0123456789") + ":AA" + noise("tg2", 33, URLSAFE),
            "service_token",
        ),
        ("age", "AGE-SECRET-KEY-1" + noise("age", 58, UPPER_DIGITS), "service_token"),
        ("jwt", jwt, "jwt"),
    ]
    shapes = [Shape(name, value, (value,), kind) for name, value, kind in tokens]
    slack_hook = "https://hooks.slack.com/services/T0" + noise("T", 8, UPPER_DIGITS)
    slack_hook += "/B0" + noise("B", 8, UPPER_DIGITS) + "/" + noise("slack-hook", 24)
    discord = "https://discord.com/api/webhooks/1" + noise("dc", 17, "0123456789") + "/"
    discord += noise("discord", 68, URLSAFE)
    teams = f"https://acme.webhook.office.com/webhookb2/{noise('t1', 8, HEX)}@{noise('t2', 8, HEX)}"
    teams += f"/IncomingWebhook/{noise('teams', 32, HEX)}/{noise('t3', 8, HEX)}"
    pw = {name: mixed(name, 16) for name in ("pg", "my", "mongo", "redis", "amqp", "https")}
    basic = _basic("ada", mixed("basic", 14))
    shapes += [
        Shape("slack_webhook", slack_hook, (slack_hook,), "slack_webhook"),
        Shape("discord_webhook", discord, (discord,), "discord_webhook"),
        Shape("teams_webhook", teams, (teams,), "teams_webhook"),
        Shape(
            "aws_credentials_file",
            f"[default]\naws_access_key_id = {aws_id}\naws_secret_access_key = {aws_secret}\n",
            (aws_id, aws_secret),
            "aws_secret_key",
        ),
        Shape(
            "aws_env_secret",
            f"export AWS_SECRET_ACCESS_KEY={aws_secret}",
            (aws_secret,),
            "aws_secret_key",
        ),
        Shape("gcp_service_account_json", gcp_json, gcp_body, "private_key"),
        Shape(
            "azure_connection_string",
            f"DefaultEndpointsProtocol=https;AccountName=acmestore;AccountKey={azure};EndpointSuffix=core.windows.net",
            (azure,),
            "azure_key",
        ),
        Shape(
            "azure_sas_url",
            f"https://acmestore.blob.core.windows.net/backups?sv=2022-11-02&ss=b&sp=rl&se=2026-03-01T00:00:00Z&sig={sas}",
            (sas,),
            "url_signature",
        ),
        Shape("pem_rsa", rsa, rsa_body, "private_key"),
        Shape("pem_ec", ec, ec_body, "private_key"),
        Shape("pem_openssh", openssh, openssh_body, "private_key"),
        Shape("pem_pgp", pgp, pgp_body, "private_key"),
        Shape(
            "postgres_url",
            f"postgres://app:{pw['pg']}@db.internal:5432/app",
            (pw["pg"],),
            "url_password",
        ),
        Shape(
            "mysql_url", f"mysql://root:{pw['my']}@127.0.0.1:3306/shop", (pw["my"],), "url_password"
        ),
        Shape(
            "mongodb_srv_url",
            f"mongodb+srv://svc:{pw['mongo']}@cluster0.ab1cd.mongodb.net/prod",
            (pw["mongo"],),
            "url_password",
        ),
        Shape("redis_url", f"redis://:{pw['redis']}@cache:6379/0", (pw["redis"],), "url_password"),
        Shape(
            "amqp_url",
            f"amqp://guest:{pw['amqp']}@mq.internal:5672/vhost",
            (pw["amqp"],),
            "url_password",
        ),
        Shape(
            "https_url_password",
            f"git clone https://ada:{pw['https']}@git.example.com/team/app.git",
            (pw["https"],),
            "url_password",
        ),
        Shape(
            "curl_user_password",
            f"curl -u ada:{mixed('curl', 18)} https://api.example.com/v1",
            (mixed("curl", 18),),
            "cli_password",
        ),
        Shape(
            "mysql_cli_password",
            f"mysql -h db -u root -p{mixed('mysqlp', 14)} shop",
            (mixed("mysqlp", 14),),
            "cli_password",
        ),
        Shape(
            "netrc",
            f"machine api.example.com login ada password {mixed('netrc', 16)}",
            (mixed("netrc", 16),),
            "cli_password",
        ),
        Shape(
            "env_api_key",
            f"API_KEY={mixed('env-api', 32)}",
            (mixed("env-api", 32),),
            "secret_assignment",
        ),
        Shape(
            "env_client_secret",
            f"OAUTH_CLIENT_SECRET={mixed('env-cs', 28)}",
            (mixed("env-cs", 28),),
            "secret_assignment",
        ),
        Shape(
            "env_password",
            f"PASSWORD=correct-horse-{noise('pw', 6)}",
            ("correct-horse-" + noise("pw", 6),),
            "secret_assignment",
        ),
        Shape(
            "yaml_password",
            f"database:\n  password: {mixed('yaml', 12)}\n",
            (mixed("yaml", 12),),
            "secret_assignment",
        ),
        Shape(
            "json_token",
            f'{{"user": "ada", "refresh_token": "{mixed("json", 40)}"}}',
            (mixed("json", 40),),
            "secret_assignment",
        ),
        Shape(
            "npmrc_auth_token",
            f"//registry.example.com/:_authToken={mixed('npmrc', 36)}",
            (mixed("npmrc", 36),),
            "secret_assignment",
        ),
        Shape(
            "heroku_key_uuid",
            "HEROKU_API_KEY=" + _uuid("heroku"),
            (_uuid("heroku"),),
            "secret_assignment",
        ),
        Shape(
            "bearer_header",
            f"Authorization: Bearer {mixed('bearer', 40)}",
            (mixed("bearer", 40),),
            "auth_header",
        ),
        Shape("basic_header", f"Authorization: Basic {basic}", (basic,), "auth_header"),
        Shape(
            "api_key_header",
            f"curl -H 'X-Api-Key: {noise('xkey', 32, HEX)}' https://api.example.com",
            (noise("xkey", 32, HEX),),
            "auth_header",
        ),
        Shape(
            "signing_key_entropy",
            f'SESSION_SIGNING_KEY = "{mixed("signing", 48)}"',
            (mixed("signing", 48),),
            "high_entropy",
        ),
        Shape(
            "cookie_salt_entropy",
            f"cookie_salt: '{mixed('salt', 24)}'",
            (mixed("salt", 24),),
            "high_entropy",
        ),
    ]
    return shapes


def _uuid(seed: str) -> str:
    h = noise(seed, 32, HEX)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


SHAPES: list[Shape] = _shapes()

_SHA1 = noise("commit", 40, HEX)
_SHA256 = noise("blob", 64, HEX)
_PUBLIC_KEY_BODY = noise("pub", 64, B64)

LOOK_ALIKES: list[str] = [
    f"commit {_SHA1} (HEAD -> main)",
    f"git show {_SHA1[:7]} && git revert {_SHA1[:12]}",
    f"object {_SHA256} (sha256 repository)",
    f"patch-id: {noise('pid', 40, HEX)} {_SHA1}",
    "session 019c8a59-e9dd-71f0-9ae3-4079fe9726a9 resumed",
    f"request id {_uuid('request')}",
    f"image: registry.example.com/api@sha256:{_SHA256}",
    f"{noise('sum', 64, HEX)}  dist/app-1.4.2.tar.gz",
    "data = base64.b64decode('SGVsbG8sIFdvcmxkISBUaGlzIGlzIHRlc3QgZGF0YQ==')",
    '{"payload": "VGhlIHF1aWNrIGJyb3duIGZveCBqdW1wcyBvdmVyIHRoZSBsYXp5IGRvZw=="}',
    "bump version 1.2.3-rc.1+build.5 -> v2.14.0 (see CHANGELOG for 0.9.12)",
    "def test_redaction_keeps_long_identifiers_like_this_one_intact_2024():",
    "class AbstractSingletonProxyFactoryBeanConfigurationResolver2(Base):",
    ".button { color: #1a2b3c; background: #FFAA00; border-color: rgba(0, 0, 0, 0.5); }",
    f'"integrity": "sha512-{noise("npm-lock", 86, B64)}=="',
    f'{{file = "requests-2.31.0.tar.gz", hash = "sha256:{noise("poetry", 64, HEX)}"}}',
    f'checksum = "{noise("cargo", 64, HEX)}"',
    f"golang.org/x/text v0.14.0 h1:{noise('gosum', 43, B64)}=",
    f'resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#{_SHA1}"',
    f"pip install requests==2.31.0 --hash=sha256:{noise('pip', 64, HEX)}",
    "/usr/local/lib/python3.11/site-packages/tokenizers/__init__.py",
    "src/components/TokenRefreshButton.tsx and docs/password-reset.md",
    "config/secrets.example.yaml is read by scripts/load_credentials.py",
    "arn:aws:iam::123456789012:role/DeployRole in eu-west-1",
    "aws ec2 describe-instances --instance-ids i-0abcd1234ef567890 --group sg-0123456789abcdef0",
    "kubectl logs deployment/api-7d9f8b6c5d-x2k4q -n prod",
    "Tokens start with ghp_ followed by 36 characters; rotate the API key every 90 days.",
    "export GITHUB_TOKEN\nunset AWS_SECRET_ACCESS_KEY",
    "Enter password: \nPassword:",
    "TOKEN_LIMIT=4096\nPASSWORD_MIN_LENGTH=12\nSECRET_FILE=/run/secrets/db\ntoken_count: 1532",
    '"input_tokens": 1234, "output_tokens": 567',
    "Authorization: Bearer ${TOKEN}\nAuthorization: Bearer <token>",
    'curl -u "$API_USER:$API_PASS" https://api.example.com',
    "postgres://localhost:5432/app and postgres://app@db/app",
    "https://ada@example.com/path and git@github.com:acme/app.git",
    "mail ada.lovelace+test@example.com about 2001:db8::8a2e:370:7334 (mac 00:1A:2B:3C:4D:5E)",
    "started 2026-02-23T11:54:34.123Z, ended 2026-02-23T12:40:02.001Z",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==",
    'assert hashlib.sha256(b"abc").hexdigest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"',
    "id: V1StGXR8_Z5jdHi6B-myT",
    "NPM_TOKEN: ${{ secrets.NPM_TOKEN }}",
    "-----BEGIN PUBLIC KEY-----\n" + _PUBLIC_KEY_BODY + "\n-----END PUBLIC KEY-----",
    f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{noise('ssh', 43, B64)} ada@laptop",
    'cache_key = "UserProfileSettings2024"\nprimary_key = "id"\nseed = 42\nnonce = "0a1b2c3d4e5f6a7b8c9d"',
    f'publicKey: "{mixed("public", 44)}"',
    "kubectl create secret generic db-credentials --from-file=password=./pw.txt",
    "risk-assessment-2024-q3-final-report and desk-booking-service-v2",
    "PASSWORD=changeme\nAPI_KEY=your-api-key\nSECRET=<secret>\nCLIENT_SECRET=",
]
