#!/usr/bin/env python3
"""The panel in a real browser: headless Chromium (Debian's chromium and chromium-driver,
driven by Selenium) signs in, triggers a run from the generated form, sees it succeed
live, and opens its log. Screenshots of each step are saved as test artifacts.

Run by scripts/test.sh after the Swift tests, against the debug build they made.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = pathlib.Path(__file__).resolve().parents[2]
BINARY = pathlib.Path(os.environ.get("AUTOOPTIMIZE_BIN", ROOT / ".build/debug/autooptimize"))
ARTIFACTS = pathlib.Path(os.environ.get("ARTIFACTS", ROOT / ".build/browser-artifacts"))
PASSWORD = "browser test password"
ADMIN_OWN_PASSWORD = "the admin's own phrase"


def wait_for(condition, what, seconds=30):
    """Polls a condition until it holds, failing after a deadline (never a fixed sleep)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)  # poll interval, bounded by the deadline above
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def start_daemon(directory):
    jobs = directory / "jobs.d"
    jobs.mkdir()
    (jobs / "browser.yaml").write_text(
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
        " region=$AUTOOPTIMIZE_PARAM_REGION day=$AUTOOPTIMIZE_PARAM_DAY\"'}}\n")
    (jobs / "chatty.yaml").write_text(
        "id: chatty\ntasks:\n  - {id: talk, kind: shell, with: {command: 'seq 1 3000'}}\n")
    data = directory / "data"
    environment = dict(os.environ, AUTOOPTIMIZE_ADMIN_PASSWORD=PASSWORD)
    process = subprocess.Popen(
        [str(BINARY), "serve", "--jobs", str(jobs), "--data", str(data), "--port", "0", "--static", str(ROOT / "static")],
        env=environment, stdout=subprocess.DEVNULL, stderr=open(directory / "stderr.log", "w"))
    info = data / "daemon.json"
    wait_for(lambda: info.exists() or process.poll() is not None, "the daemon to listen")
    if process.poll() is not None:
        raise AssertionError("the daemon exited: " + (directory / "stderr.log").read_text())
    return process, json.loads(info.read_text())["url"]


def choose(driver, element_id, value):
    """Selects an option, or returns False when the page redrew the element meanwhile (for WebDriverWait to retry)."""
    try:
        Select(driver.find_element(By.ID, element_id)).select_by_value(value)
        return Select(driver.find_element(By.ID, element_id)).first_selected_option.get_attribute("value") == value
    except StaleElementReferenceException:
        return False


def fill(driver, element_id, text):
    """Replaces a field's text, or returns False when the page redrew the field meanwhile (for WebDriverWait to retry)."""
    try:
        field = driver.find_element(By.ID, element_id)
        field.clear()
        field.send_keys(text)
        return driver.find_element(By.ID, element_id).get_attribute("value") == text
    except StaleElementReferenceException:
        return False


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)


def main():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autooptimize-browser-") as temporary:
        daemon, url = start_daemon(pathlib.Path(temporary))
        driver = browser()
        try:
            wait = WebDriverWait(driver, 30)
            driver.get(url + "/")
            # Signed out, the navigation is not shown.
            wait.until(conditions.visibility_of_element_located((By.ID, "name"))).send_keys("admin")
            assert not driver.find_element(By.ID, "nav").is_displayed(), "the navigation shows while signed out"
            # A wrong password says so, and keeps the name.
            driver.find_element(By.ID, "password").send_keys("not the password", Keys.ENTER)
            wait.until(conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "form .error"), "wrong name or password"))
            assert driver.find_element(By.ID, "name").get_attribute("value") == "admin", "the name was cleared"
            driver.find_element(By.ID, "password").send_keys(PASSWORD)
            driver.save_screenshot(str(ARTIFACTS / "1-sign-in.png"))
            driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()

            # A password that sat in the environment is for the first sign-in only: the panel asks for a new one,
            # and the session it starts (a new one: the change rotates it) carries on.
            wait.until(conditions.visibility_of_element_located((By.XPATH, "//h1[text()='Choose your password']")))
            driver.find_element(By.ID, "current").send_keys(PASSWORD)
            driver.find_element(By.ID, "new").send_keys(ADMIN_OWN_PASSWORD)
            driver.find_element(By.ID, "again").send_keys(ADMIN_OWN_PASSWORD, Keys.ENTER)

            wait.until(conditions.element_to_be_clickable((By.LINK_TEXT, "browser"))).click()
            field = wait.until(conditions.visibility_of_element_located((By.ID, "param-greeting")))
            assert field.get_attribute("value") == "hello", "the form shows the param's default"
            assert driver.find_element(By.ID, "param-loud").get_attribute("type") == "checkbox"
            assert driver.find_element(By.ID, "param-times").get_attribute("type") == "number"
            assert driver.find_element(By.ID, "param-day").get_attribute("value") == "2025-01-31"
            assert driver.find_element(By.ID, "param-region").tag_name == "select"
            assert driver.title.startswith("browser"), driver.title
            wait.until(lambda d: fill(d, "param-greeting", "salut"))
            driver.save_screenshot(str(ARTIFACTS / "2-trigger-form.png"))
            driver.find_element(By.XPATH, "//button[text()='Trigger']").click()

            wait.until(lambda d: d.current_url.split("#")[-1].startswith("/run/"))
            # The run page updates itself from the server's events: no reload here.
            wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "h1 .state.succeeded")))
            driver.save_screenshot(str(ARTIFACTS / "3-run-succeeded.png"))
            # A finished run offers no Cancel, shows its params, and the title says which run it is.
            assert not driver.find_elements(By.XPATH, "//button[text()='Cancel run']"), "Cancel offered on a finished run"
            params = driver.find_element(By.CSS_SELECTOR, "dl.params").text
            assert "greeting" in params and "salut" in params and "region" in params, params
            assert driver.title.startswith("Run "), driver.title

            wait.until(conditions.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "#1 succeeded"))).click()
            log = wait.until(conditions.visibility_of_element_located((By.CSS_SELECTOR, "pre.log")))
            wait_for(lambda: "salut from the panel" in log.text, "the log to show the task's output")
            # Every other param went with its default, each from the widget its type calls for.
            assert "loud=false times=2 ratio=0.5 region=north day=2025-01-31" in log.text, log.text
            driver.save_screenshot(str(ARTIFACTS / "4-log.png"))

            # A page that cannot load says why and offers to try again.
            driver.get(url + "/#/run/999999")
            wait.until(conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "main .error"), "unknown run 999999"))
            assert driver.find_element(By.XPATH, "//button[text()='Retry']").is_displayed()

            # A long log opens at its end.
            driver.get(url + "/#/pipeline/chatty")
            wait.until(conditions.element_to_be_clickable((By.XPATH, "//button[text()='Trigger']"))).click()
            wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "h1 .state.succeeded")))
            wait.until(conditions.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "#1 succeeded"))).click()
            long_log = wait.until(conditions.visibility_of_element_located((By.CSS_SELECTOR, "pre.log")))
            wait_for(lambda: long_log.text.rstrip().endswith("3000"), "the long log to load")
            wait_for(lambda: driver.execute_script(
                "const p = arguments[0]; return p.scrollHeight - p.scrollTop - p.clientHeight < 24;", long_log), "the log to open at its end")
            assert driver.find_element(By.LINK_TEXT, "Download").get_attribute("download") == "talk.1.log"

            # The pipeline's DAG shows the newest run's task states.
            driver.get(url + "/#/pipeline/browser")
            wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "svg.dag rect.succeeded[data-task=say]")))
            driver.save_screenshot(str(ARTIFACTS / "4b-pipeline-dag.png"))

            # The runs list, filtered from its form.
            driver.get(url + "/#/runs")
            # The page is live: it may be redrawn until the form is touched, so the choice is retried on a fresh element.
            wait.until(conditions.visibility_of_element_located((By.ID, "filter-state")))
            wait.until(lambda d: choose(d, "filter-state", "succeeded"))
            driver.find_element(By.XPATH, "//button[text()='Filter']").click()
            wait.until(lambda d: "state=succeeded" in d.current_url)
            wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "table .state.succeeded")))
            driver.save_screenshot(str(ARTIFACTS / "5-runs-filtered.png"))

            # An admin creates an operator; the password it was given must be replaced at the first sign-in.
            driver.get(url + "/#/admin")
            wait.until(conditions.visibility_of_element_located((By.ID, "user-name"))).send_keys("ana")
            Select(driver.find_element(By.ID, "user-role")).select_by_visible_text("operator")
            driver.find_element(By.ID, "user-password").send_keys("given by the admin")
            driver.find_element(By.XPATH, "//button[text()='Create user']").click()
            wait.until(conditions.presence_of_element_located((By.XPATH, "//td[text()='must change password']")))
            # A new token is in the list at once, its secret shown once under the form.
            wait.until(conditions.visibility_of_element_located((By.ID, "token-name"))).send_keys("ci-deploy")
            driver.find_element(By.XPATH, "//button[text()='Create token']").click()
            wait.until(conditions.presence_of_element_located((By.XPATH, "//td[text()='ci-deploy']")))
            assert "ao_" in driver.find_element(By.XPATH, "//p[starts-with(text(), 'Token ci-deploy')]").text
            driver.find_element(By.ID, "logout").click()
            wait.until(conditions.visibility_of_element_located((By.ID, "name")))
            assert not driver.find_element(By.ID, "nav").is_displayed(), "the navigation shows after signing out"
            assert driver.find_element(By.ID, "who").get_attribute("textContent") == "", "the last user is still named"

            # Signed in with the keyboard alone: type, Enter.
            wait.until(conditions.visibility_of_element_located((By.ID, "name"))).send_keys("ana", Keys.TAB, "given by the admin", Keys.ENTER)
            wait.until(conditions.visibility_of_element_located((By.XPATH, "//h1[text()='Choose your password']")))
            driver.save_screenshot(str(ARTIFACTS / "6-choose-password.png"))
            driver.find_element(By.ID, "current").send_keys("given by the admin")
            driver.find_element(By.ID, "new").send_keys("ana's own long phrase")
            driver.find_element(By.ID, "again").send_keys("ana's own long phrase", Keys.ENTER)
            wait.until(conditions.visibility_of_element_located((By.XPATH, "//h1[text()='Pipelines']")))
            assert "ana (operator)" in driver.find_element(By.ID, "who").text

            # On a phone-sized screen the pipelines list keeps its controls: the table scrolls instead.
            driver.set_window_size(390, 844)
            pause = wait.until(conditions.presence_of_element_located((By.XPATH, "//button[text()='Pause']")))
            driver.execute_script("arguments[0].scrollIntoView()", pause)
            assert pause.is_displayed(), "the pause button is hidden on a phone"
            assert driver.find_elements(By.CSS_SELECTOR, ".squares .square.succeeded"), "the last runs show as squares"
            driver.save_screenshot(str(ARTIFACTS / "7-phone.png"))
            print(f"browser test passed; screenshots in {ARTIFACTS}")
        except Exception:
            driver.save_screenshot(str(ARTIFACTS / "failure.png"))
            raise
        finally:
            driver.quit()
            daemon.terminate()
            daemon.wait(timeout=30)


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"browser test failed: {failure}", file=sys.stderr)
        sys.exit(1)
