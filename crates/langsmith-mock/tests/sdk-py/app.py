"""An "app" written with the official Python SDK only, as a user would point it at the
stand-in: it makes a dataset with examples (one holds a person's email), an experiment
over the dataset, and traces the app on every example with `reference_example_id` set, as
`evaluate()` does; the app copies its inputs (the email) into a child run's prompt.

With `"production": "PROJECT"` it also serves two users in that tracing project, as the app
does in production: one conversation holds the person's email, one does not, and a user's
feedback comment on the first quotes the email.

Reads its dataset name and the person's email from stdin (one JSON object), prints one
JSON object: the dataset, the examples and the experiment it made."""

import json
import sys

import langsmith as ls
from langsmith import Client, traceable

args = json.load(sys.stdin)
client = Client()  # reads LANGSMITH_ENDPOINT and LANGSMITH_API_KEY

dataset = client.create_dataset(args["dataset"], description="made by app.py")
client.create_examples(
    dataset_id=dataset.id,
    examples=[
        {"inputs": {"question": "Who asked?", "email": args["email"]}, "outputs": {"answer": "a person"}},
        {"inputs": {"question": "Anything else?"}, "outputs": {"answer": "no"}},
    ],
)
examples = list(client.list_examples(dataset_id=dataset.id))
experiment = client.create_project(args["dataset"] + "-experiment", reference_dataset_id=dataset.id)


@traceable(run_type="llm", name="llm")
def llm(prompt: str) -> str:
    return "answer to: " + prompt


@traceable(run_type="chain", name="app")
def app(inputs: dict) -> dict:
    return {"answer": llm("Reply to " + json.dumps(inputs))}


with ls.tracing_context(enabled=True, client=client, project_name=experiment.name):
    for e in examples:
        app(e.inputs, langsmith_extra={"reference_example_id": e.id, "client": client})
client.flush()

made = {}
if args.get("production"):
    with ls.tracing_context(enabled=True, client=client, project_name=args["production"]):
        app({"question": "Please update my address", "from": args["email"]},
            langsmith_extra={"client": client, "run_id": (person_run := ls.uuid7())})
        app({"question": "What are your opening hours?"},
            langsmith_extra={"client": client, "run_id": (other_run := ls.uuid7())})
    client.flush()
    client.create_feedback(person_run, key="user_comment", comment="wrong answer, write to " + args["email"])
    client.create_feedback(other_run, key="user_comment", comment="helpful")
    made = {"production_person_run": str(person_run), "production_other_run": str(other_run)}

print(json.dumps(made | {
    "dataset_id": str(dataset.id),
    "example_ids": sorted(str(e.id) for e in examples),
    "person_example": next(str(e.id) for e in examples if "email" in e.inputs),
    "experiment_id": str(experiment.id),
}))
