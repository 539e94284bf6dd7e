"""Drives the daemon through a client generated from its OpenAPI document (openapi-python-client, pinned):
lists pipelines with their typed params, triggers a run with a param and an idempotency key, waits for its end
with ?wait=, and reads its log. Fails when a route's description no longer makes a usable client.

Usage: generated_client_test.py CLIENT_DIR URL TOKEN PIPELINE
"""
import sys

client_dir, url, token, pipeline = sys.argv[1:5]
sys.path.insert(0, client_dir)

from auto_optimize_api_client import AuthenticatedClient  # noqa: E402
from auto_optimize_api_client.api.pipelines import list_pipelines, trigger_run  # noqa: E402
from auto_optimize_api_client.api.runs import get_run, get_task_log  # noqa: E402
from auto_optimize_api_client.models import PipelineList, RunDetail, RunSummary, TriggerBody  # noqa: E402
from auto_optimize_api_client.models.run_summary_state import RunSummaryState  # noqa: E402
from auto_optimize_api_client.models.trigger_body_params_type_0 import TriggerBodyParamsType0  # noqa: E402


def check(condition, message):
    if not condition:
        print(f"generated client test failed: {message}", file=sys.stderr)
        sys.exit(1)


client = AuthenticatedClient(base_url=url, token=token, raise_on_unexpected_status=True)

listed = list_pipelines.sync(client=client)
check(isinstance(listed, PipelineList), f"listing pipelines gave {listed!r}")
found = [p for p in listed.pipelines if p.id == pipeline]
check(found, f"pipeline {pipeline} is not in the generated client's list: {[p.id for p in listed.pipelines]}")
params = {param.name: param for param in found[0].params}
check("days" in params and params["days"].type_.value == "integer", f"the param days is not typed: {params}")

body = TriggerBody(params=TriggerBodyParamsType0.from_dict({"days": 3}))
first = trigger_run.sync(pipeline, client=client, body=body, idempotency_key="generated-client")
again = trigger_run.sync(pipeline, client=client, body=body, idempotency_key="generated-client")
check(isinstance(first, RunSummary) and isinstance(again, RunSummary), f"trigger gave {first!r} and {again!r}")
check(first.id == again.id, "the same idempotency key made two runs")
check(first.params.additional_properties.get("days") == 3, f"the run's params: {first.params!r}")

detail = get_run.sync(first.id, client=client, wait=60)
check(isinstance(detail, RunDetail), f"waiting for the run gave {detail!r}")
check(detail.run.state == RunSummaryState.SUCCEEDED, f"run {first.id} ended {detail.run.state}")
task = detail.tasks[0].task
log = get_task_log.sync_detailed(first.id, task, client=client)
check(log.status_code == 200, f"the log answered {log.status_code}")
print(f"generated client test passed: run {first.id} of {pipeline} succeeded through the generated client")
