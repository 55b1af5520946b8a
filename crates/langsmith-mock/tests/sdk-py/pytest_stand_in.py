"""pytest options the SDK's integration conftest reads but does not define (the SDK's repository
defines them in a conftest the sdist does not ship): `--runslow` (off: slow tests are skipped)
and `--vcr-mode` (`none`: the cassettes replay only calls to LLM providers, none recorded)."""


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", default=False)
    parser.addoption("--vcr-mode", default="none")


# langchain_core first imported before any test freezes the clock: test_create_chat_example
# imports it inside `@freeze_time`, and pydantic.v1 (which langchain_core imports) cannot be
# imported while freezegun's FakeDate stands for `datetime.date` (a metaclass conflict). In
# the SDK's own repository other modules of the session have imported it by then.
import langchain_core.messages  # noqa: E402,F401
