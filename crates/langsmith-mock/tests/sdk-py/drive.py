"""Drives the stand-in through LangSmith's official Python SDK (tests/official_sdks.rs).

Reads a plan (JSON) on stdin, calls the SDK for each step and prints one JSON object:
step name -> what the SDK returned, reduced to plain values. The Rust test compares each
with what the stand-in's documented seed and raw HTTP say; nothing here decides whether
the SDK was right. The endpoint and key come from LANGSMITH_ENDPOINT / LANGSMITH_API_KEY,
as a user's code gets them.
"""

import datetime
import json
import re
import sys

import langsmith
from langsmith import Client


def utc(dt):
    if dt is None:
        return None
    if dt.tzinfo is None:
        raise ValueError(f"the SDK gave a naive datetime: {dt!r}")
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def example(e):
    return {
        "id": str(e.id),
        "dataset_id": str(e.dataset_id),
        "inputs": e.inputs,
        "outputs": e.outputs,
        "metadata": e.metadata,
        "created_at": utc(e.created_at),
        "modified_at": utc(e.modified_at),
    }


def ids(items):
    return [str(i.id) for i in items]


def refused(call):
    """The HTTP status the SDK's error carries (the class name when it carries none)."""
    try:
        call()
    except Exception as e:  # noqa: BLE001 -- any failure is the answer
        status = getattr(getattr(e, "response", None), "status_code", None)
        found = re.search(r"\b(\d{3}) (?:Client|Server) Error", str(e))
        if status is None and found:
            status = int(found.group(1))
        return {"refused": status if status is not None else type(e).__name__}
    return {"refused": None}


def main():
    plan = json.load(sys.stdin)
    assert langsmith.__version__ == plan["sdk_version"], langsmith.__version__
    client = Client()
    ds, name = plan["dataset_id"], plan["dataset_name"]
    naive = datetime.datetime.fromisoformat(plan["as_of_naive"])
    assert naive.tzinfo is None
    out = {}
    out["datasets"] = [[str(d.id), d.name, d.example_count] for d in client.list_datasets()]
    out["datasets_by_name"] = ids(client.list_datasets(dataset_name=name))
    out["datasets_name_contains"] = ids(client.list_datasets(dataset_name_contains=plan["name_part"]))
    out["datasets_by_ids"] = ids(client.list_datasets(dataset_ids=plan["dataset_ids"]))
    out["datasets_data_type"] = ids(client.list_datasets(data_type="kv"))
    out["datasets_data_type_none"] = ids(client.list_datasets(data_type="chat"))
    out["datasets_metadata"] = ids(client.list_datasets(metadata=plan["dataset_metadata"]))
    out["datasets_metadata_none"] = ids(client.list_datasets(metadata={"source": "elsewhere"}))
    out["dataset_by_name"] = str(client.read_dataset(dataset_name=name).id)
    out["dataset_by_id"] = client.read_dataset(dataset_id=ds).name
    out["examples_by_dataset"] = ids(client.list_examples(dataset_id=ds))
    out["examples_by_dataset_name"] = ids(client.list_examples(dataset_name=name))
    out["examples_by_ids"] = ids(client.list_examples(example_ids=plan["example_ids"]))
    out["examples_metadata"] = ids(client.list_examples(dataset_id=ds, metadata=plan["metadata"]))
    out["examples_splits"] = ids(client.list_examples(dataset_id=ds, splits=plan["splits"]))
    out["examples_filter"] = ids(client.list_examples(dataset_id=ds, filter=plan["filter"]))
    # No named argument: list_examples passes extra keyword arguments on as query parameters.
    out["examples_full_text"] = ids(client.list_examples(dataset_id=ds, full_text_contains=[plan["marker"]]))
    out["examples_as_of"] = ids(client.list_examples(dataset_id=ds, as_of=naive))
    out["examples_page"] = ids(client.list_examples(dataset_id=ds, offset=plan["offset"], limit=plan["limit"]))
    out["examples_limit_over_a_page"] = ids(client.list_examples(dataset_id=ds, limit=plan["long_limit"]))
    out["example"] = example(client.read_example(plan["read_id"]))
    out["example_as_of"] = example(client.read_example(plan["read_id"], as_of=naive))
    out["foreign_read"] = refused(lambda: client.read_example(plan["foreign_id"]))
    out["foreign_delete"] = refused(lambda: client.delete_examples([plan["foreign_id"]], hard_delete=True))
    wrong = Client(api_url=client.api_url, api_key="not-a-key")
    out["wrong_key"] = refused(lambda: list(wrong.list_datasets()))
    client.delete_examples(plan["delete_ids"], hard_delete=True)
    # LangSmith lists and reads a hard-deleted example no more: as of before the deletion,
    # every version reads null.
    out["after_delete_read"] = [refused(lambda i=i: client.read_example(i)) for i in plan["delete_ids"]]
    out["after_delete_list"] = [
        example(e) for e in client.list_examples(example_ids=plan["delete_ids"], as_of=plan["before_deletion"])
    ]
    out["after_delete_full_text"] = ids(client.list_examples(dataset_id=ds, full_text_contains=[plan["marker"]]))
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
