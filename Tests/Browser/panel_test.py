#!/usr/bin/env python3
"""The panel in a real browser: headless Chromium (Debian's chromium and chromium-driver, driven by Selenium) used
as a data engineer would, page by page, with axe-core checking each page for accessibility in the light and the
dark theme. Screenshots of each step are saved as test artifacts.

Run by scripts/test.sh after the Swift tests, against the debug build they made.
"""
import datetime
import os
import pathlib
import re
import sys
import tempfile

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.select import Select
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import WebDriverWait

import support
from support import BATCH_FIXTURE, PIPELINES, ROOT, accessible, browser, call, choose, start_daemon, wait_for

ARTIFACTS = pathlib.Path(os.environ.get("ARTIFACTS", ROOT / ".build/browser-artifacts"))
PASSWORD = "browser test password"
ADMIN_OWN_PASSWORD = "the admin's own phrase"


def shot(driver, name):
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def goto(driver, wait, url, address, heading):
    """Opens a panel address and waits for its page (a hash change keeps the old page on screen until the new one
    has loaded: what is found before then goes stale)."""
    driver.get(url + address)
    wait.until(conditions.presence_of_element_located((By.XPATH, f"//main//h1[starts-with(normalize-space(.), '{heading}')]")))


def sign_in_and_choose_a_password(driver, wait, url):
    driver.get(url + "/")
    # Signed out, the navigation is not shown.
    wait.until(conditions.visibility_of_element_located((By.ID, "name"))).send_keys("admin")
    assert not driver.find_element(By.ID, "nav").is_displayed(), "the navigation shows while signed out"
    accessible(driver, "sign-in")
    # A wrong password says so, and keeps the name.
    driver.find_element(By.ID, "password").send_keys("not the password", Keys.ENTER)
    wait.until(conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "form .error"), "wrong name or password"))
    assert driver.find_element(By.ID, "name").get_attribute("value") == "admin", "the name was cleared"
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    shot(driver, "1-sign-in")
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    # A password that sat in the environment is for the first sign-in only: the panel asks for a new one, and the
    # session it starts (a new one: the change rotates it) carries on.
    wait.until(conditions.visibility_of_element_located((By.XPATH, "//h1[text()='Choose your password']")))
    accessible(driver, "choose a password")
    driver.find_element(By.ID, "current").send_keys(PASSWORD)
    driver.find_element(By.ID, "new").send_keys(ADMIN_OWN_PASSWORD)
    driver.find_element(By.ID, "again").send_keys(ADMIN_OWN_PASSWORD, Keys.ENTER)
    wait.until(conditions.visibility_of_element_located((By.XPATH, "//h1[text()='Pipelines']")))


def pipelines_list_and_search(driver, wait):
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "tr[data-key=chatty]")))
    accessible(driver, "pipelines")
    search = driver.find_element(By.ID, "pipeline-search")
    search.send_keys("long log")  # matches chatty's description
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "tbody tr")) == 1
             and driver.find_element(By.CSS_SELECTOR, "tbody tr").get_attribute("data-key") == "chatty", "the search to keep chatty only")
    assert "q=long" in driver.current_url, "the search is in the address, to share or come back to"
    search.send_keys(Keys.CONTROL, "a", Keys.DELETE)  # as a user clears it (clear() sends no input event)
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "tbody tr")) == len(PIPELINES), "all pipelines again")


def trigger_with_defaults_and_comment(driver, wait):
    wait.until(conditions.element_to_be_clickable((By.LINK_TEXT, "browser"))).click()
    field = wait.until(conditions.visibility_of_element_located((By.ID, "param-greeting")))
    assert field.get_attribute("value") == "hello", "the form shows the param's default"
    assert driver.find_element(By.ID, "param-loud").get_attribute("type") == "checkbox"
    assert driver.find_element(By.ID, "param-times").get_attribute("type") == "number"
    assert driver.find_element(By.ID, "param-day").get_attribute("value") == "2025-01-31"
    assert driver.find_element(By.ID, "param-region").tag_name == "select"
    assert driver.title.startswith("browser"), driver.title
    accessible(driver, "pipeline with a trigger form")
    driver.find_element(By.ID, "trigger-comment").send_keys("first try from the panel")
    shot(driver, "2-trigger-form")
    # Every param as its widget gives it: the defaults, untouched.
    driver.find_element(By.XPATH, "//button[text()='Trigger']").click()
    wait.until(lambda d: d.current_url.split("#")[-1].startswith("/run/"))
    # The run page updates itself from the server's events: no reload here.
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "h1 .state.succeeded")))
    shot(driver, "3-run-succeeded")
    # A finished run offers no Cancel, shows its params, who asked and why; the title says which run it is.
    assert not driver.find_elements(By.XPATH, "//button[text()='Cancel run']"), "Cancel offered on a finished run"
    params = driver.find_element(By.CSS_SELECTOR, "dl.params").text
    assert "greeting" in params and "hello" in params and "region" in params, params
    assert driver.find_element(By.ID, "run-comment").text == "first try from the panel"
    assert "manual by admin" in driver.find_element(By.CSS_SELECTOR, "dl.facts").text
    assert driver.title.startswith("Run "), driver.title
    accessible(driver, "run")
    # The comment is edited in place and the change is kept.
    driver.find_element(By.XPATH, "//summary[text()='Edit the comment']").click()
    box = wait.until(conditions.visibility_of_element_located((By.ID, "comment-text")))
    box.clear()
    box.send_keys("greeting checked")
    driver.find_element(By.XPATH, "//button[text()='Save comment']").click()
    wait.until(conditions.text_to_be_present_in_element((By.ID, "run-comment"), "greeting checked"))
    run = driver.current_url.split("/run/")[-1]
    status, detail = call(driver, "GET", f"/api/v1/runs/{run}")
    assert status == 200 and detail["run"]["comment"] == "greeting checked", detail

    wait.until(conditions.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "#1 succeeded"))).click()
    log = wait.until(conditions.visibility_of_element_located((By.CSS_SELECTOR, "pre.log")))
    wait_for(lambda: "hello from the panel" in log.text, "the log to show the task's output")
    assert "loud=false times=2 ratio=0.5 region=north day=2025-01-31" in log.text, log.text
    shot(driver, "4-log")


def a_page_that_cannot_load(driver, wait, url):
    driver.get(url + "/#/run/999999")
    wait.until(conditions.text_to_be_present_in_element((By.CSS_SELECTOR, "main .error"), "unknown run 999999"))
    assert driver.find_element(By.XPATH, "//button[text()='Retry']").is_displayed()


def long_log_search_and_levels(driver, wait, url):
    goto(driver, wait, url, "/#/pipeline/chatty", "chatty")
    wait.until(conditions.element_to_be_clickable((By.XPATH, "//button[text()='Trigger']"))).click()
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "h1 .state.succeeded")))
    wait.until(conditions.element_to_be_clickable((By.PARTIAL_LINK_TEXT, "#1 succeeded"))).click()
    log = wait.until(conditions.visibility_of_element_located((By.CSS_SELECTOR, "pre.log")))
    wait_for(lambda: log.text.rstrip().endswith("3000"), "the long log to load")
    wait_for(lambda: driver.execute_script(
        "const p = arguments[0]; return p.scrollHeight - p.scrollTop - p.clientHeight < 24;", log), "the log to open at its end")
    assert driver.find_element(By.LINK_TEXT, "Download").get_attribute("download") == "talk.1.log"
    accessible(driver, "log")
    driver.find_element(By.ID, "log-search").send_keys("2999")
    wait_for(lambda: log.text.strip() == "2999", "the search to keep the matching line")
    assert "1 of 3002 lines" in driver.find_element(By.CSS_SELECTOR, "form .muted").text
    driver.find_element(By.ID, "log-search").send_keys(Keys.CONTROL, "a", Keys.DELETE)
    Select(driver.find_element(By.ID, "log-level")).select_by_value("warning")
    wait_for(lambda: log.text.strip().splitlines() == ["WARNING: the FX file is a day old", "ERROR: row 17 has no price"], "warnings and errors only")
    assert driver.find_elements(By.CSS_SELECTOR, "pre.log .line.error"), "errors are marked"
    shot(driver, "5-log-levels")


def dag_charts_and_live_updates(driver, wait, url):
    goto(driver, wait, url, "/#/pipeline/diamond", "diamond")
    wait.until(conditions.element_to_be_clickable((By.XPATH, "//button[text()='Trigger']"))).click()
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "h1 .state.succeeded")))
    # Five tasks, one slot: the Gantt draws each attempt, and the waits of those that queued.
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.gantt rect.succeeded")) == 5
    goto(driver, wait, url, "/#/pipeline/diamond", "diamond")
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "svg.dag rect.succeeded")))
    # Names stay inside their boxes; no edge passes through a box it does not join.
    problems = driver.execute_script("""
        const svg = document.querySelector("svg.dag"), out = [];
        const boxes = [...svg.querySelectorAll("g[data-key]")].map((g) => ({ task: g.dataset.key, rect: g.querySelector("rect").getBBox(), text: g.querySelector("text").getBBox() }));
        for (const b of boxes) if (b.text.x + b.text.width > b.rect.x + b.rect.width - 2) out.push(`name of ${b.task} spills out`);
        for (const path of svg.querySelectorAll("path.edge")) {
          const length = path.getTotalLength();
          for (let at = 6; at < length - 6; at += 3) {
            const p = path.getPointAtLength(at);
            for (const b of boxes) if (p.x > b.rect.x + 1 && p.x < b.rect.x + b.rect.width - 1 && p.y > b.rect.y + 1 && p.y < b.rect.y + b.rect.height - 1) out.push(`an edge crosses ${b.task}`);
          }
        }
        return [...new Set(out)];""")
    assert not problems, problems
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.dag path.edge")) == 6
    caption = driver.find_element(By.XPATH, "//p[starts-with(., 'States of')]").text
    assert re.match(r"States of run \d+ \(succeeded\), the newest that has started", caption), caption
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.durations rect")) == 1
    today = driver.execute_script("return new Intl.DateTimeFormat('en-CA', {timeZone: 'UTC', year: 'numeric', month: '2-digit', day: '2-digit'}).format(new Date())")
    assert driver.find_elements(By.CSS_SELECTOR, f"svg.calendar rect.succeeded[data-day='{today}']"), "today shows in the calendar"
    accessible(driver, "pipeline with its charts")
    shot(driver, "6-pipeline-charts")

    # A live update changes the page in place: an open definition stays open, the scroll stays, and what is typed
    # into the trigger form stays, with its focus.
    driver.find_element(By.XPATH, "//summary[starts-with(text(), 'Definition')]").click()
    driver.execute_script("window.scrollTo(0, 400)")
    comment = driver.find_element(By.ID, "trigger-comment")
    driver.execute_script("arguments[0].focus({ preventScroll: true })", comment)
    comment.send_keys("still typing")
    scroll = driver.execute_script("return window.scrollY")
    columns = len(driver.find_elements(By.CSS_SELECTOR, "table.grid thead tr:last-child th"))
    status, run = call(driver, "POST", "/api/v1/pipelines/diamond/runs", {})
    assert status == 201, run
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "table.grid thead tr:last-child th")) == columns + 1, "the new run in the grid")
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "svg.durations rect")) == 2, "the new run in the chart")
    assert driver.find_element(By.CSS_SELECTOR, "main details").get_attribute("open") is not None, "the definition closed"
    assert abs(driver.execute_script("return window.scrollY") - scroll) < 3, "the page scrolled"
    assert driver.execute_script("return document.activeElement.id") == "trigger-comment", "the focus moved"
    assert comment.get_attribute("value") == "still typing", "what was typed is gone"


def actions_follow_the_state(driver, wait, url):
    goto(driver, wait, url, "/#/pipeline/slow", "slow")
    wait.until(conditions.element_to_be_clickable((By.XPATH, "//button[text()='Trigger']"))).click()
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "h1 .state.running")))
    wait.until(conditions.presence_of_element_located((By.XPATH, "//button[text()='Cancel run']")))
    assert not driver.find_elements(By.XPATH, "//button[text()='Rerun failed tasks']")
    assert not driver.find_elements(By.XPATH, "//button[text()='Rerun from here']"), "rerun offered on a running task"
    driver.find_element(By.XPATH, "//button[text()='Cancel run']").click()
    alert = wait.until(conditions.alert_is_present())
    assert "Cancel run" in alert.text
    alert.accept()
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "h1 .state.cancelled")))
    wait.until(conditions.presence_of_element_located((By.XPATH, "//button[text()='Rerun failed tasks']")))
    assert not driver.find_elements(By.XPATH, "//button[text()='Cancel run']"), "Cancel offered on a cancelled run"
    accessible(driver, "cancelled run")


def live_sales_dashboard(driver, wait, url):
    """The streaming demo's figures, live: they move without a reload, and the CSV is the contract's."""
    goto(driver, wait, url, "/#/live", "Live sales")
    counted = wait.until(conditions.presence_of_element_located((By.ID, "events-counted")))
    first = wait_for(lambda: int(counted.text) if counted.text.isdigit() and int(counted.text) > 0 else None, "events counted")
    wait_for(lambda: int(driver.find_element(By.ID, "events-counted").text) > first, "the figures to move live")
    assert driver.find_elements(By.CSS_SELECTOR, "svg.hours rect"), "the revenue chart"
    # The demo's two services, kept running by the daemon.
    services = wait_for(lambda: {row.find_elements(By.TAG_NAME, "td")[0].text: row.find_elements(By.TAG_NAME, "td")[1].text
                                 for row in driver.find_elements(By.CSS_SELECTOR, "table[aria-label='service tasks'] tbody tr")} or None, "the services table")
    assert set(services) == {"simulator", "figures"} and all(state.startswith("running since") for state in services.values()), services
    link = driver.find_element(By.LINK_TEXT, "Download CSV").get_attribute("href")
    status, text = call(driver, "GET", link.replace(url, ""))
    assert status == 200 and text.startswith("seller_id,seller_name,deals_won,deals_lost,deals_open,revenue_usd,conversion\n"), text[:200]
    accessible(driver, "live sales")
    shot(driver, "6b-live-sales")


def batch_reports_and_lineage(driver, wait, url):
    """The batch workflow's reports from the fixture's run (charts, ranked countries, rejects, each table's CSV as the
    contract writes it) and a dataset's upstream and downstream."""
    status, run = call(driver, "POST", "/api/v1/pipelines/africa-trends/runs", {"params": {}})
    assert status == 201, run
    state = wait_for(lambda: (lambda s: s if s in ("succeeded", "failed") else None)(call(driver, "GET", f"/api/v1/runs/{run['id']}")[1]["run"]["state"]),
                     "the batch run to finish", seconds=120)
    assert state == "succeeded", call(driver, "GET", f"/api/v1/runs/{run['id']}")[1]
    expected = lambda name: (BATCH_FIXTURE / "expected" / name).read_text()
    goto(driver, wait, url, "/#/reports", "Reports")
    regions = len(expected("africa_region_trends.csv").splitlines()) - 1
    wait_for(lambda: len(driver.find_elements(By.CSS_SELECTOR, "svg.lines g.series")) == regions, f"a line for each of {regions} regions")
    countries = len(expected("africa_country_trends.csv").splitlines()) - 1
    assert len(driver.find_elements(By.CSS_SELECTOR, "section[data-key=countries] tbody tr")) == countries, "every country ranked"
    for name in ("africa_monthly_sales", "africa_country_trends", "africa_region_trends"):
        link = driver.find_element(By.LINK_TEXT, f"Download {name}.csv").get_attribute("href")
        status, text = call(driver, "GET", link.replace(url, ""))
        assert status == 200 and text == expected(f"{name}.csv"), f"{name}: {text[:200]}"
    rejected = sum(int(line.split(",")[1]) for line in expected("rejects.csv").splitlines()[1:])
    assert driver.find_element(By.XPATH, f"//h2[text()='Rejected rows: {rejected}']"), "the rejects' total"
    assert len(driver.find_elements(By.CSS_SELECTOR, "svg.bars g")) == len(expected("rejects.csv").splitlines()) - 1, "a bar per reason"
    accessible(driver, "reports")
    shot(driver, "6c-reports")
    driver.find_element(By.LINK_TEXT, "Rank by growth instead").click()
    wait.until(conditions.presence_of_element_located((By.XPATH, "//h2[text()='Countries ranked by growth']")))
    assert driver.find_element(By.CSS_SELECTOR, "section[data-key=countries] tbody tr td").text == "1"

    goto(driver, wait, url, "/#/lineage", "Lineage")
    driver.find_element(By.ID, "lineage-q").send_keys("/curated/", Keys.ENTER)
    wait_for(lambda: "q=%2Fcurated%2F" in driver.current_url, "the search in the address")

    # The list is drawn again for the search: a link found in the list before it may be gone by the click (stale),
    # so the finding and the click are tried again together.
    def open_curated_sales():
        links = driver.find_elements(By.XPATH, "//table[@aria-label='datasets']//a[contains(., 'curated/sales')]")
        if not links:
            return False
        links[0].click()
        return True
    wait_for(open_curated_sales, "the curated sales dataset's link")
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "svg.dag")))
    # Every dataset right of the step that wrote it, every step right of what it read (a layer per step of the way).
    x = lambda prefix: float(next(r for r in driver.find_elements(By.CSS_SELECTOR, "svg.dag rect[data-task]")
                                  if r.get_attribute("data-task").startswith(prefix)).get_attribute("x"))
    assert x("sales/sales-001.csv") < x("africa-trends.extract") < x("raw/fx_rates") < x("africa-trends.clean") < x("curated/sales"), "lineage layers"
    assert x("raw/sales") == x("raw/fx_rates"), "both outputs of extract in one layer"
    upstream = driver.find_element(By.CSS_SELECTOR, "table[aria-label=upstream]").text
    downstream = driver.find_element(By.CSS_SELECTOR, "table[aria-label=downstream]").text
    assert "africa-trends.clean" in upstream and "africa-trends.extract" in upstream, upstream
    assert "africa-trends.trends" in downstream and "africa-trends.load" in downstream, downstream
    accessible(driver, "lineage")
    shot(driver, "6d-lineage")


def alerts_and_channel_tests(driver, wait, url):
    """A failure's alert in the outbox and at the webhook; each channel's health; an admin's test alert to each
    channel, with its outcome said (delivered to the webhook, not to the mail server that is down)."""
    status, run = call(driver, "POST", "/api/v1/pipelines/broken/runs", {"params": {}})
    assert status == 201, run
    wait_for(lambda: any(body.get("event") == "task_failed" for body in support.WEBHOOK.received), "the failure's alert at the webhook")
    goto(driver, wait, url, "/#/alerts", "Alerts")
    row = lambda name: driver.find_element(By.CSS_SELECTOR, f"table[aria-label='alert channels'] tr[data-key={name}]")
    wait_for(lambda: "ok" in row("chat").text, "the chat channel healthy after its delivery")
    assert "no attempt yet" in row("mail").text, row("mail").text
    assert "task failed" in driver.find_element(By.CSS_SELECTOR, "table[aria-label='latest alerts']").text
    row("chat").find_element(By.XPATH, ".//button[text()='Send a test alert']").click()
    wait_for(lambda: any(body.get("event") == "test" for body in support.WEBHOOK.received), "the test alert at the webhook")
    wait_for(lambda: "delivered (" in row("chat").text, "the chat channel's last test shown")
    row("mail").find_element(By.XPATH, ".//button[text()='Send a test alert']").click()
    wait_for(lambda: "not delivered" in row("mail").text and "failing" in row("mail").text, "the mail channel's failed test shown")
    accessible(driver, "alerts")
    shot(driver, "6e-alerts")


def open_streams(driver):
    status, text = call(driver, "GET", "/metrics")
    assert status == 200, text
    return int(float(re.search(r"^autooptimize_open_streams (\S+)$", text, re.M).group(1)))


def eight_tabs_share_one_stream(driver, wait, url, without_shared_worker=False):
    """Eight tabs (three without shared workers) all load and all update live, over one event stream."""
    first = driver.current_window_handle
    tabs = []
    for _ in range(3 if without_shared_worker else 8):
        driver.switch_to.new_window("tab")
        if without_shared_worker:
            driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": "delete window.SharedWorker;"})
        driver.get(url + "/#/runs")
        tabs.append(driver.current_window_handle)
    modes = []
    for tab in tabs:
        driver.switch_to.window(tab)
        WebDriverWait(driver, 30).until(conditions.presence_of_element_located((By.XPATH, "//h1[text()='Runs']")))
        modes.append(wait_for(lambda: driver.execute_script("return window.autooptimize.live.mode !== 'none' && window.autooptimize.live.mode"), "the tab to join the stream"))
    if without_shared_worker:
        wait_for(lambda: sorted(driver.execute_script("return window.autooptimize.live.mode") for _ in [0]), "modes")
        modes = []
        for tab in tabs:
            driver.switch_to.window(tab)
            modes.append(driver.execute_script("return window.autooptimize.live.mode"))
        assert sorted(modes) == ["follower tab", "follower tab", "leader tab"], modes
    else:
        assert set(modes) == {"shared worker"}, modes
        # The first tab's stream and these eight share one: the daemon holds one stream for the browser.
        assert open_streams(driver) == 1, f"{open_streams(driver)} streams open for one browser"
    status, run = call(driver, "POST", "/api/v1/pipelines/browser/runs", {"params": {"greeting": "to every tab"}})
    assert status == 201, run
    for tab in tabs:
        driver.switch_to.window(tab)
        wait_for(lambda: driver.find_elements(By.CSS_SELECTOR, f"tr[data-key='{run['id']}'] .state.succeeded"), f"run {run['id']} in every tab")
    for tab in tabs:
        driver.switch_to.window(tab)
        driver.close()
    driver.switch_to.window(first)


def dark_theme(driver, wait, url):
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        for address, heading, ready in (("/#/", "Pipelines", "tr[data-key=diamond]"), ("/#/pipeline/diamond", "diamond", "svg.dag"), ("/#/runs", "Runs", "tbody tr"),
                                         ("/#/reports", "Reports", "svg.lines")):
            goto(driver, wait, url, address, heading)
            wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ready)))
            background = driver.execute_script("return getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(18, 18, 18)", f"the dark theme is not applied: {background}"
            accessible(driver, f"{address} in the dark theme")
        shot(driver, "7-dark")
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})


def runs_list_admin_and_sign_out(driver, wait, url):
    goto(driver, wait, url, "/#/runs", "Runs")
    wait.until(lambda d: choose(d, "filter-state", "succeeded"))
    driver.find_element(By.XPATH, "//button[text()='Filter']").click()
    wait.until(lambda d: "state=succeeded" in d.current_url)
    wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "table .state.succeeded")))
    accessible(driver, "runs")
    shot(driver, "8-runs-filtered")
    goto(driver, wait, url, "/#/audit", "Audit")
    wait.until(conditions.presence_of_element_located((By.XPATH, "//td[text()='run.comment']")))
    accessible(driver, "audit")
    driver.set_window_size(390, 844)
    wide = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert wide <= 0, f"the audit page scrolls sideways as a whole on a phone ({wide} px)"
    driver.set_window_size(1280, 900)
    goto(driver, wait, url, "/#/account", "Change your password")
    accessible(driver, "account")

    # An admin creates an operator; the password it was given must be replaced at the first sign-in.
    goto(driver, wait, url, "/#/admin", "Users and tokens")
    driver.find_element(By.ID, "user-name").send_keys("ana")
    accessible(driver, "users and tokens")
    Select(driver.find_element(By.ID, "user-role")).select_by_visible_text("operator")
    driver.find_element(By.ID, "user-password").send_keys("given by the admin")
    driver.find_element(By.XPATH, "//button[text()='Create user']").click()
    wait.until(conditions.presence_of_element_located((By.XPATH, "//td[text()='must change password']")))
    # A new token is in the list at once, its secret shown once under the form.
    wait.until(conditions.visibility_of_element_located((By.ID, "token-name"))).send_keys("ci-deploy")
    driver.find_element(By.XPATH, "//button[text()='Create token']").click()
    wait.until(conditions.presence_of_element_located((By.XPATH, "//td[text()='ci-deploy']")))
    assert "ao_" in wait.until(conditions.presence_of_element_located((By.XPATH, "//p[starts-with(text(), 'Token ci-deploy')]"))).text
    driver.find_element(By.ID, "logout").click()
    wait.until(conditions.visibility_of_element_located((By.ID, "name")))
    assert not driver.find_element(By.ID, "nav").is_displayed(), "the navigation shows after signing out"
    assert driver.find_element(By.ID, "who").get_attribute("textContent") == "", "the last user is still named"

    # Signed in with the keyboard alone: type, Enter.
    wait.until(conditions.visibility_of_element_located((By.ID, "name"))).send_keys("ana", Keys.TAB, "given by the admin", Keys.ENTER)
    wait.until(conditions.visibility_of_element_located((By.XPATH, "//h1[text()='Choose your password']")))
    driver.find_element(By.ID, "current").send_keys("given by the admin")
    driver.find_element(By.ID, "new").send_keys("ana's own long phrase")
    driver.find_element(By.ID, "again").send_keys("ana's own long phrase", Keys.ENTER)
    wait.until(conditions.visibility_of_element_located((By.XPATH, "//h1[text()='Pipelines']")))
    assert "ana (operator)" in driver.find_element(By.ID, "who").text


def phone(driver, wait, url):
    # On a phone-sized screen the pipelines list keeps its controls: the table scrolls, not the page.
    driver.set_window_size(390, 844)
    pause = wait.until(conditions.presence_of_element_located((By.XPATH, "//button[text()='Pause']")))
    driver.execute_script("arguments[0].scrollIntoView()", pause)
    assert pause.is_displayed(), "the pause button is hidden on a phone"
    assert driver.find_elements(By.CSS_SELECTOR, ".squares .square.succeeded"), "the last runs show as squares"
    pages = (("/#/pipeline/diamond", "diamond", "svg.dag"), ("/#/runs", "Runs", "tbody tr"), ("/#/run/1", "Run 1", "svg.gantt"),
             ("/#/log/1/say/1", "Log of say", "pre.log"), ("/#/reports", "Reports", "svg.lines"), ("/#/lineage", "Lineage", "tbody tr"))
    for address, heading, ready in pages:
        goto(driver, wait, url, address, heading)
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, ready)))
        wide = driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0, f"{address} scrolls sideways as a whole on a phone ({wide} px)"
    shot(driver, "9-phone")


def main():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="autooptimize-browser-") as temporary:
        daemon, url = start_daemon(pathlib.Path(temporary), PASSWORD)
        driver = browser()
        try:
            wait = WebDriverWait(driver, 30)
            sign_in_and_choose_a_password(driver, wait, url)
            pipelines_list_and_search(driver, wait)
            trigger_with_defaults_and_comment(driver, wait)
            a_page_that_cannot_load(driver, wait, url)
            long_log_search_and_levels(driver, wait, url)
            dag_charts_and_live_updates(driver, wait, url)
            actions_follow_the_state(driver, wait, url)
            live_sales_dashboard(driver, wait, url)
            batch_reports_and_lineage(driver, wait, url)
            alerts_and_channel_tests(driver, wait, url)
            goto(driver, wait, url, "/#/runs", "Runs")
            eight_tabs_share_one_stream(driver, wait, url)
            eight_tabs_share_one_stream(driver, wait, url, without_shared_worker=True)
            dark_theme(driver, wait, url)
            runs_list_admin_and_sign_out(driver, wait, url)
            phone(driver, wait, url)
            print(f"browser test passed; screenshots in {ARTIFACTS}")
        except Exception:
            shot(driver, "failure")
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
