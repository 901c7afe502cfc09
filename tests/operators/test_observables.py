import pytest

from hybrid_rg.operators import ObservableError, parse_observables


def test_parsing():
    assert [s.label for s in parse_observables("ZZ:0,5", 6)] == ["zz:0,5"]
    assert [s.label for s in parse_observables("x:all", 3)] == ["x:0", "x:1", "x:2"]
    (tt,) = parse_observables("tt:zz:2,2", 4)
    assert tt.two_time and tt.sites == (2, 2)


@pytest.mark.parametrize("text", ["zz:0,6", "zz:0", "q:1", "zz", "zz:a,b", "zz:1,1", "tt:zzz:0,1,2", "zz:all"])
def test_bad_specs_raise_with_a_hint(text):
    with pytest.raises(ObservableError):
        parse_observables(text, 6)
