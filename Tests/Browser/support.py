"""What the browser test needs around the browser: the daemon it drives, Chromium through Debian's chromedriver,
waiting with a deadline, calls to the API from inside a tab, and the axe-core accessibility check."""
import importlib.util
import json
import os
import pathlib
import http.server
import socket
import subprocess
import threading
import time

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("AUTOOPTIMIZE_BIN", ROOT / ".build/debug/autooptimize"))

PIPELINES = {
    "browser.yaml": (
        "id: browser\n"
        "description: Greets from the browser test\n"
        "params:\n  greeting: {type: string, default: hello, description: What to say}\n"
        "  loud: {type: boolean, default: false}\n"
        "  times: {type: integer, default: 2}\n"
        "  ratio: {type: number, default: 0.5}\n"
        "  region: {type: string, default: north, enum: [north, south]}\n"
        "  day: {type: date, default: 2025-01-31}\n"
        "tasks:\n  - {id: say, kind: shell, with: {command: 'echo \"$AUTOOPTIMIZE_PARAM_GREETING from the panel"
        " loud=$AUTOOPTIMIZE_PARAM_LOUD times=$AUTOOPTIMIZE_PARAM_TIMES ratio=$AUTOOPTIMIZE_PARAM_RATIO"
        " region=$AUTOOPTIMIZE_PARAM_REGION day=$AUTOOPTIMIZE_PARAM_DAY\"'}}\n"),
    "chatty.yaml": (
        "id: chatty\ndescription: Writes a long log\n"
        "tasks:\n  - {id: talk, kind: shell, with: {command: 'echo \"WARNING: the FX file is a day old\"; "
        "echo \"ERROR: row 17 has no price\"; seq 1 3000'}}\n"),
    # A diamond with long names and an edge that skips a layer: the DAG drawing must keep names in their boxes and
    # route that edge around the middle boxes.
    "diamond.yaml": (
        "id: diamond\ndescription: Long names, a diamond and a long edge\nmax_active_tasks: 1\n"
        "tasks:\n"
        "  - {id: extract_historical_sales_from_every_region, kind: noop}\n"
        "  - {id: validate_and_pseudonymise_the_rows, kind: noop, needs: [extract_historical_sales_from_every_region]}\n"
        "  - {id: fx, kind: noop, needs: [extract_historical_sales_from_every_region]}\n"
        "  - {id: analyse_africa_region_trends_for_investment, kind: noop, needs: [validate_and_pseudonymise_the_rows, fx]}\n"
        "  - {id: load_the_warehouse, kind: noop, needs: [analyse_africa_region_trends_for_investment, extract_historical_sales_from_every_region]}\n"),
    "slow.yaml": "id: slow\ndescription: Runs until cancelled\ntasks:\n  - {id: wait, kind: shell, with: {command: 'sleep 120'}}\n",
    # The real-time demo on the embedded broker: a simulator and the figures worker, as services.
    "sales.yaml": (
        "id: sales\ndescription: Live seller figures\ntasks:\n"
        "  - {id: simulator, kind: sales-simulator, service: true, with: {rate: 50, seed: 3}}\n"
        f"  - {{id: figures, kind: seller-figures, service: true, with: {{fx_rates: {ROOT / 'demo/fx_rates.csv'}}}}}\n"),
    # A failure that alerts the chat channel (the webhook below).
    "broken.yaml": (
        "id: broken\ndescription: Fails, and says so\nalerts: {channels: [chat], on: [task_failed]}\n"
        "tasks:\n  - {id: fetch, kind: shell, with: {command: 'echo \"the FX server said no\" >&2; exit 4'}}\n"),
    # The batch workflow on the committed fixture of the contract (seed 7), with its expected tables beside it.
    "africa.yaml": (ROOT / "jobs.d/africa-trends.yaml").read_text()
    .replace('"{data}/incoming/sales"', f'"{ROOT}/Tests/JobsTests/Fixtures/sales-batch-seed7/sales"')
    .replace('"{data}/incoming/fx_rates.csv"', f'"{ROOT}/Tests/JobsTests/Fixtures/sales-batch-seed7/fx_rates.csv"'),
}
BATCH_FIXTURE = ROOT / "Tests/JobsTests/Fixtures/sales-batch-seed7"


def wait_for(condition, what, seconds=30):
    """Polls a condition until it holds, failing after a deadline (never a fixed sleep)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:
            value = None
        if value:
            return value
        time.sleep(0.05)  # poll interval, bounded by the deadline above
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


class WebhookReceiver:
    """A chat hook: answers 200 to every POST and keeps the bodies (the alerts page's test button must reach it)."""

    def __init__(self):
        received = self.received = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                received.append(json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0))))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"


# Alert channels: a webhook that answers, and a mail server that is down (a port bound but not listening).
WEBHOOK = None
MAIL_DOWN = socket.socket()
MAIL_DOWN.bind(("127.0.0.1", 0))


def start_daemon(directory, password):
    global WEBHOOK
    jobs = directory / "jobs.d"
    jobs.mkdir()
    for name, text in PIPELINES.items():
        (jobs / name).write_text(text)
    data = directory / "data"
    WEBHOOK = WebhookReceiver()
    settings = directory / "settings.yaml"
    settings.write_text(
        "alerts:\n  channels:\n"
        f"    - {{name: chat, type: webhook, url: '{WEBHOOK.url}', secret: {{env: AO_BROWSER_HOOK_SECRET}}}}\n"
        f"    - {{name: mail, type: email, smtp_url: 'smtp://127.0.0.1:{MAIL_DOWN.getsockname()[1]}', from: ao@example.com, to: [oncall@example.com]}}\n")
    environment = dict(os.environ, AUTOOPTIMIZE_ADMIN_PASSWORD=password, AO_BROWSER_HOOK_SECRET="browser-hook-secret")
    process = subprocess.Popen(
        [str(BINARY), "serve", "--jobs", str(jobs), "--data", str(data), "--port", "0", "--static", str(ROOT / "static"),
         "--config", str(settings)],
        env=environment, stdout=subprocess.DEVNULL, stderr=open(directory / "stderr.log", "w"))
    info = data / "daemon.json"
    wait_for(lambda: info.exists() or process.poll() is not None, "the daemon to listen")
    if process.poll() is not None:
        raise AssertionError("the daemon exited: " + (directory / "stderr.log").read_text())
    return process, json.loads(info.read_text())["url"]


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def choose(driver, element_id, value):
    """Selects an option, or returns False when the page redrew the element meanwhile (for a retry)."""
    try:
        Select(driver.find_element(By.ID, element_id)).select_by_value(value)
        return Select(driver.find_element(By.ID, element_id)).first_selected_option.get_attribute("value") == value
    except StaleElementReferenceException:
        return False


def call(driver, method, path, body=None):
    """Calls the API from inside the tab, as the panel does (its cookie, its CSRF token); returns (status, JSON or text)."""
    return driver.execute_async_script(
        """
        const [method, path, body, done] = arguments;
        const headers = { "Content-Type": "application/json", "X-CSRF-Token": sessionStorage.getItem("csrf") || "" };
        fetch(path, { method, headers, body: body === null ? undefined : JSON.stringify(body), credentials: "same-origin" })
          .then(async (r) => { const t = await r.text(); let v = t; try { v = JSON.parse(t); } catch {} done([r.status, v]); })
          .catch((e) => done([0, String(e)]));
        """, method, path, body)


def _axe_source():
    spec = importlib.util.find_spec("axe_playwright_python")
    if spec is None:
        raise AssertionError("axe-core is missing: scripts/install-deps.sh --for-tests installs axe-playwright-python")
    return (pathlib.Path(list(spec.submodule_search_locations)[0]) / "axe.min.js").read_text()


AXE = None


def accessible(driver, page):
    """Runs axe-core (WCAG 2.1 A and AA rules and best practices) on the page as it is; fails on any serious or
    critical violation, naming each with its elements."""
    global AXE
    AXE = AXE or _axe_source()
    if not driver.execute_script("return typeof axe === 'object'"):
        driver.execute_script(AXE)
    result = driver.execute_async_script(
        "const done = arguments[0]; axe.run(document, { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] })"
        ".then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ') + ': ' + n.failureSummary) }))))"
        ".catch((e) => done([{ id: 'axe-error', impact: 'critical', help: String(e), nodes: [] }]));")
    serious = [v for v in result if v["impact"] in ("serious", "critical")]
    assert not serious, f"accessibility ({page}): " + json.dumps(serious, indent=1)
    return result
