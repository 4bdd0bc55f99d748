"""The device, scale and seeding policy."""
import pytest
import torch

from alignbook import device as dv


def test_cpu_default_and_override(monkeypatch):
    monkeypatch.delenv("ALIGNBOOK_DEVICE", raising=False)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert dv.get_device().type == expected
    monkeypatch.setenv("ALIGNBOOK_DEVICE", "cpu")
    assert dv.get_device().type == "cpu"
    assert dv.get_device("cpu") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error on a machine without CUDA")
def test_cuda_requested_without_cuda_is_a_clear_error():
    with pytest.raises(ValueError, match="CUDA is not available"):
        dv.get_device("cuda")


def test_scale(monkeypatch):
    monkeypatch.delenv("ALIGNBOOK_SCALE", raising=False)
    assert dv.get_scale() == "book"
    monkeypatch.setenv("ALIGNBOOK_SCALE", "full")
    assert dv.get_scale() == "full" and dv.pick(None, 1, 2, 3) == 3
    assert dv.pick("test", 1, 2, 3) == 1
    with pytest.raises(ValueError, match="ALIGNBOOK_SCALE"):
        dv.get_scale("huge")


def test_generators_are_seeded_and_independent_of_global_state():
    a = torch.randn(5, generator=dv.generator(3, "cpu"))
    torch.manual_seed(123)
    b = torch.randn(5, generator=dv.generator(3, "cpu"))
    assert torch.equal(a, b)
    assert (dv.rng(1).normal(size=3) == dv.rng(1).normal(size=3)).all()


def test_threads_limits_and_restores():
    before = torch.get_num_threads()
    with dv.threads(1):
        assert torch.get_num_threads() == 1
        with dv.threads(1):
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before

    @dv.threads(1)
    def f():
        return torch.get_num_threads()

    assert f() == 1 and torch.get_num_threads() == before
    with dv.threads(1, device="meta"):  # not a CPU device: untouched
        assert torch.get_num_threads() == before


def test_checks_run_on_one_cpu_thread():
    from alignbook.theory import Comparisons
    from alignbook.theory._registry import Check

    seen = []

    def probe(scale, seed, device):
        seen.append(torch.get_num_threads())
        return Comparisons().true("ran", True)

    Check("x", "t", "property", "", probe, __name__).run(scale="test", device="cpu")
    assert seen == [1]
