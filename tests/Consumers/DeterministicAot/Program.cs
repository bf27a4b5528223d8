// Prints the deterministic mode's digest and exits 1 unless it is the committed one (see DeterministicAot.csproj).
using System;
using Consumers;
using DenseGen;

// No switch is set: the digest's layers are [Dense(Deterministic = true)], and that alone turns the mode on, through
// the module initializer DenseGen generates for this assembly.
Console.WriteLine($"deterministic mode on from the attributes alone: {DeterministicMode.IsEnabled}");
string digest = DeterminismDigest.Compute();
Console.WriteLine($"deterministic mode: digest {digest}, expected {DeterminismDigest.Expected}");
return digest == DeterminismDigest.Expected ? 0 : 1;
