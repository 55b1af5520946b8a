// Drives the stand-in through LangSmith's official JS SDK (tests/official_sdks.rs).
//
// Reads a plan (JSON) on stdin, calls the SDK for each step and prints one JSON object:
// step name -> what the SDK returned, reduced to plain values. The Rust test compares each
// with what the stand-in's documented seed and raw HTTP say; nothing here decides whether
// the SDK was right. The endpoint and key come from LANGSMITH_ENDPOINT / LANGSMITH_API_KEY,
// as a user's code gets them.
import { readFileSync } from "node:fs";
import { Client } from "langsmith";

const plan = JSON.parse(readFileSync(0, "utf8"));
const pkg = JSON.parse(
  readFileSync(new URL("./node_modules/langsmith/package.json", import.meta.url), "utf8"),
);
if (pkg.version !== plan.sdk_version) throw new Error(`langsmith ${pkg.version} installed`);

const utc = (t) => (t == null ? null : new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z"));
const example = (e) => ({
  id: e.id,
  dataset_id: e.dataset_id,
  inputs: e.inputs,
  outputs: e.outputs,
  metadata: e.metadata,
  created_at: utc(e.created_at),
  modified_at: utc(e.modified_at),
});
const collect = async (iterable) => {
  const out = [];
  for await (const item of iterable) out.push(item);
  return out;
};
const ids = async (iterable) => (await collect(iterable)).map((x) => x.id);
// The HTTP status the SDK's error names (its message when it names none).
const refused = async (call) => {
  try {
    await call();
  } catch (e) {
    const found = /Received status \[(\d{3})\]/.exec(String(e?.message));
    return { refused: found ? Number(found[1]) : String(e?.message) };
  }
  return { refused: null };
};

const client = new Client();
const ds = plan.dataset_id;
const datasetName = plan.dataset_name;
const out = {};
out.datasets = (await collect(client.listDatasets())).map((d) => [d.id, d.name, d.example_count]);
out.datasets_by_name = await ids(client.listDatasets({ datasetName }));
out.datasets_name_contains = await ids(client.listDatasets({ datasetNameContains: plan.name_part }));
out.datasets_by_ids = await ids(client.listDatasets({ datasetIds: plan.dataset_ids }));
out.datasets_metadata = await ids(client.listDatasets({ metadata: plan.dataset_metadata }));
out.datasets_metadata_none = await ids(client.listDatasets({ metadata: { source: "elsewhere" } }));
out.dataset_by_name = (await client.readDataset({ datasetName })).id;
out.dataset_by_id = (await client.readDataset({ datasetId: ds })).name;
out.examples_by_dataset = await ids(client.listExamples({ datasetId: ds }));
out.examples_by_dataset_name = await ids(client.listExamples({ datasetName }));
// listExamples needs a dataset: the ids are looked up within it.
out.examples_by_ids = await ids(client.listExamples({ datasetId: ds, exampleIds: plan.example_ids }));
out.examples_metadata = await ids(client.listExamples({ datasetId: ds, metadata: plan.metadata }));
out.examples_splits = await ids(client.listExamples({ datasetId: ds, splits: plan.splits }));
out.examples_filter = await ids(client.listExamples({ datasetId: ds, filter: plan.filter }));
// A string is sent as is: here without an offset, as Python's isoformat() of a naive time.
out.examples_as_of = await ids(client.listExamples({ datasetId: ds, asOf: plan.as_of_naive }));
out.examples_as_of_date = await ids(
  client.listExamples({ datasetId: ds, asOf: new Date(`${plan.as_of_naive}Z`) }),
);
out.examples_page = await ids(
  client.listExamples({ datasetId: ds, offset: plan.offset, limit: plan.limit }),
);
out.example = example(await client.readExample(plan.read_id));
out.foreign_read = await refused(() => client.readExample(plan.foreign_id));
out.foreign_delete = await refused(() =>
  client.deleteExamples([plan.foreign_id], { hardDelete: true }),
);
const wrong = new Client({ apiUrl: client.apiUrl, apiKey: "not-a-key" });
out.wrong_key = await refused(() => collect(wrong.listDatasets()));
await client.deleteExamples(plan.delete_ids, { hardDelete: true });
// LangSmith lists and reads a hard-deleted example no more: as of before the deletion,
// every version reads null.
out.after_delete_read = [];
for (const id of plan.delete_ids) {
  out.after_delete_read.push(await refused(() => client.readExample(id)));
}
out.after_delete_list = (
  await collect(
    client.listExamples({ datasetId: ds, exampleIds: plan.delete_ids, asOf: plan.before_deletion }),
  )
).map(example);
process.stdout.write(JSON.stringify(out));
