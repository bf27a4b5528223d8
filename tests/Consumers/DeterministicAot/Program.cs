// Prints the deterministic mode's digest and exits 1 unless it is the committed one (see DeterministicAot.csproj).
using System;
using Consumers;
using DenseGen;

AppContext.SetSwitch(DeterministicMode.SwitchName, true);
string digest = DeterminismDigest.Compute();
Console.WriteLine($"deterministic mode: digest {digest}, expected {DeterminismDigest.Expected}");
return digest == DeterminismDigest.Expected ? 0 : 1;
