"""The chaos suite runs the real daemon through the faults an operator or an
attacker brings: a second daemon, a locked database, a full disk, hostile
requests.  It reuses the integration suite's daemon fixtures, loaded under
the name `pcapd_integration` (both folders have a conftest)."""
import importlib.util
import pathlib
import sys

_INTEGRATION = pathlib.Path(__file__).resolve().parents[1] / "integration"
sys.path.insert(0, str(_INTEGRATION))
_spec = importlib.util.spec_from_file_location("pcapd_integration", _INTEGRATION / "conftest.py")
pcapd_integration = importlib.util.module_from_spec(_spec)
sys.modules["pcapd_integration"] = pcapd_integration
_spec.loader.exec_module(pcapd_integration)

daemon_factory = pcapd_integration.daemon_factory
replay_daemon = pcapd_integration.replay_daemon
