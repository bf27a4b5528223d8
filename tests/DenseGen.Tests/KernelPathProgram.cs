using System;

namespace DenseGen.Tests;

/// <summary>
/// The test assembly's entry point. The test runner never calls it; <see cref="VectorPathTests"/> starts this
/// assembly as a child process with some of the processor's vector instructions disabled (a setting the runtime
/// reads only at start-up), so that the numerical checks run through each kernel the JIT can pick.
/// </summary>
public static class KernelPathProgram
{
    public const string CheckCommand = "check-kernels";

    /// <summary>Checks every layer of a portable library instead (see <see cref="PortableConsumerTests"/>).</summary>
    public const string CheckPortableCommand = "check-portable";

    /// <summary>Prints a digest of the runtime's functions with the deterministic switch on or off (see <see cref="Determinism.DeterministicRuntimeTests"/>).</summary>
    public const string DeterministicRuntimeCommand = "deterministic-runtime";

    /// <summary>Prints the digest computed by the portable consumer library's deterministic layers.</summary>
    public const string DeterministicPortableCommand = "deterministic-portable";

    /// <summary>Runs a compiled library's probe with the deterministic mode unread, read first or switched off (see <see cref="Determinism.DeterministicRequirementTests"/>).</summary>
    public const string DeterministicRequirementCommand = "deterministic-requirement";

    public static int Main(string[] args)
    {
        if (args.Length == 3 && args[0] == DeterministicRequirementCommand)
            return Determinism.DeterministicRequirementTests.RunProbe(args[1], args[2]);
        if (args.Length == 2 && args[0] == CheckPortableCommand)
            return CheckPortable(args[1]);
        if (args.Length == 2 && args[0] == DeterministicPortableCommand)
        {
            // The portable library's own copy of the digest, its layers in portable output, on this process's runtime.
            AppContext.SetSwitch(DeterministicMode.SwitchName, true);
            Type digest = System.Reflection.Assembly.LoadFrom(args[1]).GetType("Consumers.DeterminismDigest", throwOnError: true)!;
            Console.WriteLine($"digest {digest.GetMethod("Compute")!.Invoke(null, null)}");
            return 0;
        }
        if (args.Length == 2 && args[0] == DeterministicRuntimeCommand)
        {
            // The switch is read once, at its first use, even in the method that sets it.
            AppContext.SetSwitch(DeterministicMode.SwitchName, args[1] == "on");
            Console.WriteLine($"the switch reads as set: {DeterministicMode.IsEnabled == (args[1] == "on")}");
            return Determinism.DeterministicRuntimeTests.PrintDigest();
        }
        if (args.Length != 1 || args[0] != CheckCommand)
        {
            Console.Error.WriteLine($"usage: dotnet exec DenseGen.Tests.dll {CheckCommand} | {CheckPortableCommand} <library.dll>");
            return 2;
        }

        Console.WriteLine("active kernels: " + KernelChecks.ActiveKernels());
        return KernelChecks.Run(Models.OneSampleModelChecks.Run);
    }

    private static int CheckPortable(string library)
    {
        Console.WriteLine("Vector<T> accelerated: " + System.Numerics.Vector.IsHardwareAccelerated);
        try
        {
            System.Reflection.Assembly assembly = System.Reflection.Assembly.LoadFrom(library);
            int checks = PortableConsumerTests.CheckEveryLayer(assembly);
            Console.WriteLine($"{checks} checks passed");
            int standardize = Standardize.StandardizePortableTests.CheckEveryLayer(assembly);
            string digest = Standardize.StandardizeChecks.Digest(Standardize.StandardizePortableTests.LayersOf(assembly));
            Console.WriteLine($"standardize: {standardize} checks, digest {digest}");
            return 0;
        }
        catch (Exception exception)
        {
            Console.WriteLine("FAILED: " + exception.Message);
            return 1;
        }
    }
}
