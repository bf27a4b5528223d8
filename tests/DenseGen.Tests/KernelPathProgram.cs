using System;
using System.Runtime.Intrinsics;
using DenseGen.Tests.Infrastructure;

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

    public static int Main(string[] args)
    {
        if (args.Length == 2 && args[0] == CheckPortableCommand)
            return CheckPortable(args[1]);
        if (args.Length != 1 || args[0] != CheckCommand)
        {
            Console.Error.WriteLine($"usage: dotnet exec DenseGen.Tests.dll {CheckCommand} | {CheckPortableCommand} <library.dll>");
            return 2;
        }

        Console.WriteLine("active kernels: " + ActiveKernels());
        int checks = 0;
        try
        {
            for (int layer = 0; layer < NumericalTests.FloatLayers.Length; layer++)
            {
                foreach (int batch in NumericalTests.BatchSizes)
                {
                    LayerChecks.CheckAgainstReference(NumericalTests.FloatLayers[layer](), batch, seed: 1000 * layer + batch);
                    checks++;
                }
            }
            for (int layer = 0; layer < NumericalTests.DoubleLayers.Length; layer++)
            {
                foreach (int batch in NumericalTests.BatchSizes)
                {
                    LayerChecks.CheckAgainstReference(NumericalTests.DoubleLayers[layer](), batch, seed: 1000 * layer + batch);
                    checks++;
                }
            }
            // Activated layers: the activation helpers have vector and scalar paths of their own.
            for (int layer = 0; layer < NumericalTests.ActivatedFloatLayers.Length; layer++)
            {
                foreach (int batch in NumericalTests.BatchSizes)
                {
                    LayerChecks.CheckActivatedAgainstReference(NumericalTests.ActivatedFloatLayers[layer](), batch, seed: 1000 * layer + batch);
                    checks++;
                }
            }
            for (int layer = 0; layer < NumericalTests.ActivatedDoubleLayers.Length; layer++)
            {
                foreach (int batch in NumericalTests.BatchSizes)
                {
                    LayerChecks.CheckActivatedAgainstReference(NumericalTests.ActivatedDoubleLayers[layer](), batch, seed: 1000 * layer + batch);
                    checks++;
                }
            }
        }
        catch (Exception exception)
        {
            Console.WriteLine($"FAILED after {checks} checks: {exception.Message}");
            return 1;
        }
        Console.WriteLine($"{checks} checks passed");
        return 0;
    }

    private static int CheckPortable(string library)
    {
        Console.WriteLine("Vector<T> accelerated: " + System.Numerics.Vector.IsHardwareAccelerated);
        try
        {
            int checks = PortableConsumerTests.CheckEveryLayer(System.Reflection.Assembly.LoadFrom(library));
            Console.WriteLine($"{checks} checks passed");
            return 0;
        }
        catch (Exception exception)
        {
            Console.WriteLine("FAILED: " + exception.Message);
            return 1;
        }
    }

    /// <summary>The kernel family the generated dispatch picks on this process, widest accelerated first.</summary>
    public static string ActiveKernels() =>
        Vector512.IsHardwareAccelerated ? "Vector512"
        : Vector256.IsHardwareAccelerated ? "Vector256"
        : Vector128.IsHardwareAccelerated ? "Vector128"
        : "Scalar";
}
