//! The local checks' cost, isolated: a lean sequential listing of one dataset's examples
//! holding a text (`GET /api/v1/examples`, 100 a page, the fields the checks need), each
//! page deserialized into the typed `Example`; with `--check`, every row also goes
//! through the facade's own re-check, prepared once as the stream prepares it
//! ([`langsmith::ExampleQuery::checker`]). The two runs
//! differ by the checks alone.
//! `select_loop ENDPOINT API_KEY DATASET TEXT [--check]`

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (endpoint, key, dataset, text) = (&args[1], &args[2], &args[3], &args[4]);
    let check = args.get(5).is_some_and(|a| a == "--check");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (listed, passed) = runtime.block_on(async {
        let client = reqwest::Client::new();
        let datasets: Vec<langsmith::Dataset> = client
            .get(format!("{endpoint}/api/v1/datasets"))
            .query(&[("name", dataset.as_str())])
            .header("x-api-key", key)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let id = datasets[0].id;
        let checker = langsmith::ExampleQuery::new()
            .dataset(id)
            .contains(text.clone())
            .checker();
        let id = id.to_string();
        let (mut listed, mut passed, mut offset) = (0usize, 0usize, 0usize);
        loop {
            let offset_text = offset.to_string();
            let bytes = client
                .get(format!("{endpoint}/api/v1/examples"))
                .query(&[
                    ("dataset", id.as_str()),
                    ("full_text_contains", text.as_str()),
                    ("limit", "100"),
                    ("offset", offset_text.as_str()),
                    ("order", "id"),
                    ("select", "id"),
                    ("select", "dataset_id"),
                    ("select", "name"),
                    ("select", "inputs"),
                    ("select", "outputs"),
                ])
                .header("x-api-key", key)
                .send()
                .await
                .unwrap()
                .bytes()
                .await
                .unwrap();
            let page: Vec<langsmith::Example> = serde_json::from_slice(&bytes).unwrap();
            listed += page.len();
            if check {
                passed += page.iter().filter(|e| checker.check(e).is_ok()).count();
            } else {
                passed += page.len();
            }
            if page.len() < 100 {
                break;
            }
            offset += 100;
        }
        (listed, passed)
    });
    println!("{{\"listed\":{listed},\"passed\":{passed}}}");
}
