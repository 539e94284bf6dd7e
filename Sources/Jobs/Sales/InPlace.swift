/// Changes a value where it lives (a dictionary entry reached once through `dict[key, default: …]`, then changed by
/// several statements): one lookup, and no copy of the value out and back in.
func modify<Value>(_ value: inout Value, _ change: (inout Value) -> Void) { change(&value) }
