"""detect_anomaly(): the first NaN or inf raises, naming the op, its values and your line."""

from __future__ import annotations

import inspect
import math
import threading

import pytest

from autograd_engine import AnomalyError, Value, detect_anomaly, grad, no_grad
from autograd_engine import anomaly as anomaly_module
from autograd_engine import value as value_module

NAN, INF = math.nan, math.inf
HERE = __file__


def line() -> int:
    """The caller's line number."""
    frame = inspect.currentframe()
    assert frame is not None
    assert frame.f_back is not None
    return frame.f_back.f_lineno


def test_anomaly_error_is_a_floating_point_error() -> None:
    assert issubclass(AnomalyError, FloatingPointError)


def test_catches_a_nan_that_would_otherwise_spread() -> None:
    # Without the mode a NaN in the data flows quietly to the loss (the policy lets it).
    x, w = Value(NAN), Value(0.5)
    loss = ((x * w).relu() + 1.0) ** 2
    assert math.isnan(loss.data)
    expected_line = line() + 2
    with detect_anomaly(), pytest.raises(AnomalyError) as error:
        loss = ((x * w).relu() + 1.0) ** 2  # x * w is the first op that produces a NaN
    message = str(error.value)
    assert message.startswith("detect_anomaly: * produced nan from nan * 0.5 in the forward pass")
    assert f"{HERE}:{expected_line} in test_catches_a_nan_that_would_otherwise_spread" in message


def test_an_inf_from_an_inf_input_is_an_anomaly_too() -> None:
    x = Value(INF)
    assert x.exp().data == INF  # IEEE outside the mode
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"exp produced inf from exp\(inf\)"):
        x.exp()


def test_names_the_op_with_its_constant() -> None:
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"\*\*2 produced nan from nan \*\* 2"):
        Value(NAN) ** 2


def test_catches_the_first_bad_gradient_in_backward_with_its_creation_line() -> None:
    x, w = Value(1e200), Value(1e-200)
    with detect_anomaly():
        expected_line = line() + 1
        product = x * w
        loss = product * 1e200
        x.grad, w.grad = 0.5, 0.25
        with pytest.raises(AnomalyError) as error:
            loss.backward()
    message = str(error.value)
    assert "in backward(), * at 1e+200 * 1e-200" in message
    assert "incoming gradient 1e+200" in message
    assert "sends inf to its input 1" in message
    assert f"{HERE}:{expected_line}" in message
    assert (x.grad, w.grad) == (0.5, 0.25)  # all or nothing, as any failed backward()


def test_backward_of_a_graph_built_before_the_mode_says_so() -> None:
    x, w = Value(NAN), Value(2.0)
    y = x * w  # allowed outside the mode: NaN in, NaN out
    with detect_anomaly(), pytest.raises(AnomalyError, match="before detect_anomaly"):
        y.backward()  # w's gradient would be nan
    assert (x.grad, w.grad) == (0.0, 0.0)


def test_grad_checks_every_edge_too() -> None:
    x, w = Value(NAN), Value(3.0)
    y = x * w
    assert grad(y, [x]) == [3.0]  # outside the mode, w's nan gradient is IEEE propagation
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"\* at nan \* 3\.0"):
        grad(y, [x])


def test_records_creation_only_while_on() -> None:
    with detect_anomaly():
        inside = Value(1.0) * 2.0
    outside = Value(1.0) * 2.0
    assert HERE in anomaly_module.creation_site(inside)
    assert "before detect_anomaly" in anomaly_module.creation_site(outside)


def test_off_restores_the_plain_node_factory_exactly() -> None:
    # "Zero cost when off": outside the mode the engine runs the very same function.
    plain = value_module._node
    with detect_anomaly():
        assert value_module._node is not plain
        with detect_anomaly():  # nests
            pass
        assert anomaly_module.is_enabled()
        with pytest.raises(AnomalyError):
            Value(INF) + 1.0
    assert value_module._node is plain
    assert not anomaly_module.is_enabled()
    assert (Value(INF) + 1.0).data == INF


def test_restored_after_an_exception_and_under_no_grad() -> None:
    plain = value_module._node
    with pytest.raises(AnomalyError), detect_anomaly(), no_grad():
        Value(NAN).tanh()
    assert value_module._node is plain


def test_enter_and_exit_from_many_threads() -> None:
    plain = value_module._node
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(5)
            for _ in range(50):
                with detect_anomaly():
                    assert value_module._node is not plain
                    (Value(1.0) * 2.0).backward()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert value_module._node is plain
    assert not anomaly_module.is_enabled()


def test_the_creation_line_skips_installed_libraries() -> None:
    """In a notebook the caller of a cell is IPython's run_code: never worth showing."""

    def user_code() -> Value:
        return Value(math.nan) * 2.0

    library = compile("made = user_code()", "/opt/lib/python3/site-packages/runner.py", "exec")
    namespace: dict[str, object] = {"user_code": user_code}
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        exec(library, namespace)
    message = str(caught.value)
    assert "in user_code" in message
    assert "site-packages" not in message


def test_plus_and_times_are_checked_and_located_in_the_mode_and_fast_after_it() -> None:
    # + and * make their finite nodes without value._node; the mode must still see them.
    creation_site = anomaly_module.creation_site
    a, b = Value(1e308), Value(2.0)
    with detect_anomaly():
        total, product = a + b, a * 0.5
        with pytest.raises(AnomalyError, match=r"\+ produced inf"):
            _ = a + a
        with pytest.raises(AnomalyError, match=r"\* produced inf"):
            _ = a * b
    for node in (total, product):
        assert creation_site(node).startswith("at ")
    assert value_module._FINITE == 0.0  # the fast path open again on leaving the mode
    assert creation_site(a + b).startswith("before detect_anomaly()")
    with pytest.raises(OverflowError, match="overflows a float"):
        _ = a * b
