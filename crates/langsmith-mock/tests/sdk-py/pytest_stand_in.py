"""pytest options the SDK's integration conftest reads but does not define (the SDK's repository
defines them in a conftest the sdist does not ship): `--runslow` (off: slow tests are skipped)
and `--vcr-mode` (`none`: the cassettes replay only calls to LLM providers, none recorded)."""


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False)
    parser.addoption("--vcr-mode", default="none")
