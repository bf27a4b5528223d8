// The numerical checks of the test suite's kernel paths, built against the DenseGen package and run on arm64 under
// qemu (see Arm64.csproj): every test layer, float and double, with and without an activation, at every batch size,
// against the double reference within the float error bound, the standardizing layers against their IEEE bits and the
// recurrent layers through time against their bound, the deterministic ones of both with the digests x64 gives. Exit
// code 0 only if every check passes and, given "--expect <kernels>", the layers ran the kernels named (Vector128 or
// Scalar on arm64). With "--deterministic-digest", checks the runtime's deterministic mode instead.
using System;
using System.Runtime.InteropServices;
using DenseGen.Tests;

// "--deterministic-digest": the runtime's deterministic mode must give the bits it gives on x64.
if (args is ["--deterministic-digest"])
{
    // The project keeps its deterministic layers from turning the mode on (Arm64.csproj), so that the kernel checks
    // below run the runtime's default float activations; here the switch is set first, before anything reads it.
    AppContext.SetSwitch("DenseGen.Deterministic", true);
    string digest = Consumers.DeterminismDigest.Compute();
    Console.WriteLine($"{RuntimeInformation.ProcessArchitecture}, deterministic mode: digest {digest}, expected {Consumers.DeterminismDigest.Expected}");
    return digest == Consumers.DeterminismDigest.Expected ? 0 : 1;
}

string kernels = KernelChecks.ActiveKernels();
Console.WriteLine($"{RuntimeInformation.ProcessArchitecture}, {kernels} kernels");
if (args is ["--expect", string expected] && expected != kernels)
{
    Console.WriteLine($"expected the {expected} kernels");
    return 2;
}
return KernelChecks.Run();
