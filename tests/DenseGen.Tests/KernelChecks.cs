using System;
using System.Runtime.Intrinsics;
using DenseGen.Tests.Infrastructure;

namespace DenseGen.Tests;

/// <summary>
/// The numerical checks of every test layer (float and double, with and without an activation, the standardizing and the
/// recurrent layers) at every batch size, against the double reference, on whichever kernels the process runs: the child
/// processes of <see cref="VectorPathTests"/> run them with vector instructions disabled, and the arm64 consumer
/// (tests/Consumers/Arm64) under qemu. Returns 0 when every check passes.
/// </summary>
public static class KernelChecks
{
    public static int Run(Func<int>? moreChecks = null)
    {
        int checks = 0;
        void Each<TLayer>(Func<TLayer>[] layers, Action<TLayer, int, int> check)
        {
            for (int layer = 0; layer < layers.Length; layer++)
            {
                foreach (int batch in NumericalTests.BatchSizes)
                {
                    check(layers[layer](), batch, 1000 * layer + batch);
                    checks++;
                }
            }
        }

        try
        {
            Each(NumericalTests.FloatLayers, LayerChecks.CheckAgainstReference);
            Each(NumericalTests.DoubleLayers, LayerChecks.CheckAgainstReference);
            // Activated layers: the activation helpers have vector and scalar paths of their own.
            Each(NumericalTests.ActivatedFloatLayers, LayerChecks.CheckActivatedAgainstReference);
            Each(NumericalTests.ActivatedDoubleLayers, LayerChecks.CheckActivatedAgainstReference);
            // Deterministic layers: not within a bound but bit for bit the fixed order, on every kernel path.
            Each(NumericalTests.DeterministicFloatLayers, LayerChecks.CheckDeterministicOrder);
            Each(NumericalTests.DeterministicDoubleLayers, LayerChecks.CheckDeterministicOrder);
            // The float activations' vector functions, on this process's widest vectors: bounds and special values. Where
            // deterministic mode is on, the runtime's activations are the deterministic functions instead, which the
            // digest checks.
            if (DeterministicMode.IsEnabled)
            {
                Console.WriteLine("vector activations: not checked, deterministic mode is on in this process");
            }
            else
            {
                foreach (VectorTranscendentalsChecks.Measurement m in VectorTranscendentalsChecks.Run())
                    Console.WriteLine($"vector {m.Name}: max error {m.MaxUlps:F3} ulp at {m.At:R}");
                VectorTranscendentalsChecks.CheckSpecialValues();
                checks += 2;
            }
            // Checks the caller adds: the test process's children run the one-sample kernels of [OnnxModel] layers,
            // which compile a model in memory with Roslyn (the arm64 consumer has no compiler to do it with).
            if (moreChecks is not null)
                checks += moreChecks();
            // Standardizing layers: the IEEE bits and the double bound, special values, and the deterministic ones' digest.
            checks += Standardize.StandardizeChecks.RunAll();
            string digest = Standardize.StandardizeChecks.Digest(Standardize.StandardizeChecks.DeterministicLayers());
            Console.WriteLine("standardize digest: " + digest);
            if (digest != Standardize.StandardizeChecks.ExpectedDigest)
                throw new InvalidOperationException($"the deterministic standardizing layers' digest is {digest}, not the committed {Standardize.StandardizeChecks.ExpectedDigest}");
            checks++;
            // The recurrent step's row sums of two and three inputs, against one vector's sum of each row, to the bit.
            checks += RowSumChecks.Run();
            // Recurrent layers: Forward and Backward through time against the double reference, and the deterministic ones' digest.
            checks += RecurrentLayers.RecurrentChecks.RunAll();
            string recurrentDigest = RecurrentLayers.RecurrentChecks.Digest();
            Console.WriteLine("recurrent digest: " + recurrentDigest);
            if (recurrentDigest != RecurrentLayers.RecurrentChecks.ExpectedDigest)
                throw new InvalidOperationException($"the deterministic recurrent layers' digest is {recurrentDigest}, not the committed {RecurrentLayers.RecurrentChecks.ExpectedDigest}");
            checks++;
        }
        catch (Exception exception)
        {
            // The innermost exception with its stack: a reflection call wraps the one that says what failed.
            Exception cause = exception;
            while (cause.InnerException is { } inner)
                cause = inner;
            Console.WriteLine($"FAILED after {checks} checks: {cause}");
            return 1;
        }
        Console.WriteLine($"{checks} checks passed");
        return 0;
    }

    /// <summary>The kernel family the generated dispatch picks on this process, widest accelerated first.</summary>
    public static string ActiveKernels() =>
        Vector512.IsHardwareAccelerated ? "Vector512"
        : Vector256.IsHardwareAccelerated ? "Vector256"
        : Vector128.IsHardwareAccelerated ? "Vector128"
        : "Scalar";
}
