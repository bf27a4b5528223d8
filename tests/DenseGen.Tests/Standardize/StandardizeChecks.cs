using System;
using System.Collections.Generic;
using System.Numerics;
using System.Reflection;
using System.Runtime.InteropServices;
using DenseGen.Tests.Infrastructure;
using Xunit.Sdk;

namespace DenseGen.Tests.Standardize;

/// <summary>
/// Checks one standardizing layer, on whichever kernel the process runs: in this process (the widest vectors), in the
/// children <see cref="VectorPathTests"/> starts with vectors disabled (<see cref="KernelChecks"/>), and on the portable
/// output (<see cref="StandardizePortableTests"/>, <see cref="PortableConsumerTests"/>).
/// </summary>
/// <remarks>
/// <para>
/// Two references. The specification's bits: <c>z = (x − μ) / σ</c> computed in <typeparamref name="T"/> by the test
/// itself, each operation correctly rounded (.NET's float and double arithmetic is IEEE), then clamped; backward
/// <c>dY / σ</c> in <typeparamref name="T"/> where <c>−Clip ≤ z ≤ Clip</c> and +0 elsewhere. Every kernel must give
/// exactly these bits: a subtraction, a division and comparisons leave no freedom (a reciprocal multiplied instead of
/// the division, say, is off by an ulp for about a third of the inputs).
/// </para>
/// <para>
/// And the double reference, within a bound: with unit roundoff u of <typeparamref name="T"/>, the layer computes
/// <c>fl(fl(x − μ) / σ) = ζ(1 + δ₁)(1 + δ₂)</c>, |δᵢ| ≤ u, for the exact ζ = (x − μ)/σ, so it is within
/// (2u + u²)|ζ| ≤ γ(2)|ζ| of ζ (Higham's γ(n) = nu / (1 − nu)); the double reference computes the same two operations
/// at u_d = 2⁻⁵³ and is within γ_d(2)|ζ|, so the two differ by at most (γ(2) + γ_d(2))·|ζ|, and |ζ| ≤ |z_d| / (1 − γ_d(2)).
/// The clamp moves two values no further apart (it is 1-Lipschitz and both clamp at the same (T)Clip). Backward's
/// <c>dY / σ</c> is one division of exact inputs: within (u + u_d)|dY/σ| / (1 − u_d).
/// </para>
/// </remarks>
internal static class StandardizeChecks
{
    public static readonly int[] BatchSizes = [1, 2, 3, 5, 64];

    /// <summary>The clamp's bound of a layer type, from its attribute (0: none); its constant <c>Clip</c> holds it in <typeparamref name="T"/>.</summary>
    public static T ClipOf<T>(Type layer) where T : IFloatingPointIeee754<T>
    {
        object attribute = Array.Find(layer.GetCustomAttributes(inherit: false), a => a.GetType().Name == "StandardizeAttribute")
            ?? throw new InvalidOperationException(layer.Name + " has no [Standardize]");
        double clip = (double)attribute.GetType().GetProperty("Clip")!.GetValue(attribute)!;
        T bound = T.CreateChecked(clip);
        object constant = layer.GetField("Clip", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        if (!constant.Equals(bound))
            throw new XunitException($"{layer.Name}.Clip is {constant}, the attribute's Clip as {typeof(T).Name} is {bound}.");
        return bound;
    }

    /// <summary>Sets a random mean in [−1, 1) and std in [0.25, 2) (each element its own), exact in <typeparamref name="T"/>.</summary>
    public static (T[] Mean, T[] Std) SetStatistics<T>(IStandardizeUnderTest<T> layer, Random random) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = layer.InputSize;
        T[] mean = LayerChecks.RandomValues<T>(random, size);
        var std = new T[size];
        for (int i = 0; i < size; i++)
            std[i] = T.CreateChecked(0.25 + 1.75 * random.NextDouble());
        mean.CopyTo(layer.Mean);
        std.CopyTo(layer.Std);
        return (mean, std);
    }

    /// <summary>Forward and Backward on random data (inputs in [−6, 6), so that the clamps of ±0.75 … ±5 are active for some), against both references.</summary>
    public static void CheckAgainstReference<T>(IStandardizeUnderTest<T> layer, T clip, int samples, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int size = layer.InputSize;
        (T[] mean, T[] std) = SetStatistics(layer, random);
        var x = new T[samples * size];
        for (int j = 0; j < x.Length; j++)
            x[j] = T.CreateChecked(12 * random.NextDouble() - 6);
        T[] dy = LayerChecks.RandomValues<T>(random, samples * size);
        string shape = $"{layer}, batch {samples}";
        Check(layer, clip, x, dy, mean, std, shape);
    }

    /// <summary>
    /// The values where the specification says something: NaN (stays NaN; its gradient is 0 under a clamp), ±∞ (clamped
    /// to ±Clip), z exactly ±Clip (the value itself; the gradient passes, as PyTorch's clamp gives it), z one ulp beyond
    /// (clamped; gradient 0), one ulp inside, and 0. Each sample shifts the pattern by one element, so every value meets
    /// every position: vector lanes, the overlapped tail, and the scalar loop.
    /// </summary>
    public static void CheckSpecialValues<T>(IStandardizeUnderTest<T> layer, T clip) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = layer.InputSize;
        T half = T.CreateChecked(0.5), two = T.CreateChecked(2);
        var mean = new T[size];
        var std = new T[size];
        Array.Fill(mean, half);
        Array.Fill(std, two);
        mean.CopyTo(layer.Mean);
        std.CopyTo(layer.Std);
        // With μ = 0.5 and σ = 2, x = 0.5 + 2·Clip gives z = Clip exactly for every Clip the test layers use.
        T bound = clip > T.Zero ? clip : T.CreateChecked(3);
        T atBound = half + two * bound, atLowBound = half - two * bound;
        T[] pattern =
        [
            T.NaN, T.PositiveInfinity, T.NegativeInfinity, atBound, T.BitIncrement(atBound), T.BitDecrement(atBound),
            atLowBound, T.BitDecrement(atLowBound), half, T.CreateChecked(-1.25),
        ];
        int samples = Math.Max(pattern.Length, 2);
        var x = new T[samples * size];
        var dy = new T[samples * size];
        for (int s = 0; s < samples; s++)
        {
            for (int i = 0; i < size; i++)
            {
                x[s * size + i] = pattern[(s + i) % pattern.Length];
                dy[s * size + i] = T.CreateChecked(0.8125 - 0.125 * ((s + 3 * i) % 7));
            }
        }
        Check(layer, clip, x, dy, mean, std, $"{layer}, special values");

        // What the specification says of these values, beyond agreeing with the reference above.
        var y = new T[x.Length];
        var dx = new T[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
        for (int j = 0; j < x.Length; j++)
        {
            T value = x[j];
            bool clamps = clip > T.Zero;
            if (T.IsNaN(value))
                Require(T.IsNaN(y[j]) && (!clamps || IsPositiveZero(dx[j])), j, "NaN stays NaN and, under a clamp, passes no gradient", y[j], dx[j]);
            else if (T.IsPositiveInfinity(value))
                Require(clamps ? y[j] == clip && IsPositiveZero(dx[j]) : T.IsPositiveInfinity(y[j]), j, "+∞ clamps to Clip", y[j], dx[j]);
            else if (value == atBound && clamps)
                Require(y[j] == clip && dx[j] == dy[j] / two && dx[j] != T.Zero, j, "at z = Clip the gradient passes", y[j], dx[j]);
            else if (value == T.BitIncrement(atBound) && clamps)
                Require(y[j] == clip && IsPositiveZero(dx[j]), j, "beyond Clip the gradient is 0", y[j], dx[j]);
            else if (value == atLowBound && clamps)
                Require(y[j] == -clip && dx[j] == dy[j] / two && dx[j] != T.Zero, j, "at z = −Clip the gradient passes", y[j], dx[j]);
        }
    }

    private static bool IsPositiveZero<T>(T value) where T : IFloatingPointIeee754<T> => T.IsZero(value) && T.IsPositive(value);

    private static void Require<T>(bool condition, int element, string rule, T y, T dx)
    {
        if (!condition)
            throw new XunitException($"element {element}: {rule}; got y = {y}, dx = {dx}.");
    }

    private static void Check<T>(IStandardizeUnderTest<T> layer, T clip, T[] x, T[] dy, T[] mean, T[] std, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int size = layer.InputSize;
        Require(layer.OutputSize == size, 0, "OutputSize is InputSize", T.Zero, T.Zero);
        double u = ErrorBound.Roundoff<T>(), ud = ErrorBound.DoubleRoundoff;
        double forwardBound = (ErrorBound.Gamma(2, u) + ErrorBound.Gamma(2, ud)) / (1 - ErrorBound.Gamma(2, ud));
        double backwardBound = (u + ud) / (1 - ud);
        bool clamps = clip > T.Zero;
        double wideClip = double.CreateChecked(clip);

        var y = new T[x.Length];
        var dx = new T[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
        var expectedY = new T[x.Length];
        var expectedDx = new T[x.Length];
        for (int j = 0; j < x.Length; j++)
        {
            int i = j % size;
            T z = (x[j] - mean[i]) / std[i];
            bool inside = !clamps || (z >= -clip && z <= clip);
            expectedY[j] = clamps ? (z > clip ? clip : z < -clip ? -clip : z) : z;
            expectedDx[j] = inside ? dy[j] / std[i] : T.Zero;

            double zd = (double.CreateChecked(x[j]) - double.CreateChecked(mean[i])) / double.CreateChecked(std[i]);
            if (double.IsFinite(zd))
            {
                double clamped = clamps ? Math.Clamp(zd, -wideClip, wideClip) : zd;
                double error = Math.Abs(double.CreateChecked(y[j]) - clamped);
                if (!(error <= forwardBound * Math.Abs(zd)))
                    throw new XunitException($"{what}: Forward element {j} is {y[j]:R}, the double reference {clamped:R}; error {error:E3} exceeds (γ(2) + γ_d(2))·|z| = {forwardBound * Math.Abs(zd):E3}.");
                if (inside)
                {
                    double dd = double.CreateChecked(dy[j]) / double.CreateChecked(std[i]);
                    double gradientError = Math.Abs(double.CreateChecked(dx[j]) - dd);
                    if (!(gradientError <= backwardBound * Math.Abs(dd)))
                        throw new XunitException($"{what}: Backward element {j} is {dx[j]:R}, the double reference {dd:R}; error {gradientError:E3} exceeds (u + u_d)·|dY/σ| = {backwardBound * Math.Abs(dd):E3}.");
                }
            }
        }
        DeterministicOrder<T>.RequireSameBits(y, expectedY, $"{what}: Forward against the IEEE reference");
        DeterministicOrder<T>.RequireSameBits(dx, expectedDx, $"{what}: Backward against the IEEE reference");
        // The statistics are only read.
        DeterministicOrder<T>.RequireSameBits(layer.Mean, mean, $"{what}: Mean after the calls");
        DeterministicOrder<T>.RequireSameBits(layer.Std, std, $"{what}: Std after the calls");
    }

    /// <summary>Every standardizing layer compiled into this project, with its clamp.</summary>
    public static (Func<IStandardizeUnderTest<float>> Create, float Clip)[] FloatLayers() =>
    [
        Float(() => new StdF1()), Float(() => new StdF3Clip()), Float(() => new StdF16()), Float(() => new StdF17Clip()),
        Float(() => new StdF300Clip()), Float(() => new SStdF37Clip()), Float(() => new DetStdF47Clip()), Float(() => new SDetStdF150Clip()),
    ];

    public static (Func<IStandardizeUnderTest<double>> Create, double Clip)[] DoubleLayers() =>
    [
        Double(() => new StdD2()), Double(() => new StdD3Clip()), Double(() => new StdD5Clip()), Double(() => new StdD130()),
        Double(() => new SStdD9Clip()), Double(() => new DetStdD21()), Double(() => new DetStdD11Clip()),
    ];

    private static (Func<IStandardizeUnderTest<float>>, float) Float(Func<IStandardizeUnderTest<float>> create) => (create, ClipOf<float>(create().GetType()));

    private static (Func<IStandardizeUnderTest<double>>, double) Double(Func<IStandardizeUnderTest<double>> create) => (create, ClipOf<double>(create().GetType()));

    /// <summary>Runs every check on every layer at every batch size; returns how many ran.</summary>
    public static int RunAll()
    {
        int checks = 0;
        foreach ((Func<IStandardizeUnderTest<float>> create, float clip) in FloatLayers())
            checks += RunLayer(create, clip);
        foreach ((Func<IStandardizeUnderTest<double>> create, double clip) in DoubleLayers())
            checks += RunLayer(create, clip);
        return checks;
    }

    private static int RunLayer<T>(Func<IStandardizeUnderTest<T>> create, T clip) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int checks = 0;
        foreach (int batch in BatchSizes)
        {
            CheckAgainstReference(create(), clip, batch, seed: 17 * batch + create().InputSize);
            checks++;
        }
        CheckSpecialValues(create(), clip);
        return checks + 1;
    }

    /// <summary>
    /// The digest of the deterministic standardizing layers' outputs, committed: every kernel path on x64 (in this
    /// process and in <see cref="VectorPathTests"/>' children), arm64 (tests/Consumers/Arm64) and the portable output
    /// (<see cref="PortableConsumerTests"/>) must give it.
    /// </summary>
    public const string ExpectedDigest = "bc661a136fa094b32619a66750fe69f0b0ad9be9b32114c6c117e0edec436f85";

    /// <summary>
    /// SHA-256 of every output of the deterministic layers (named by type, found in <paramref name="layers"/>) on fixed
    /// statistics and inputs, special values included, at batch 1, 3 and 64: the same on every kernel path and output.
    /// NaNs are hashed as one pattern: IEEE leaves a NaN's payload to the processor (x64 and arm64 make different ones
    /// for an invalid operation), and a NaN's being NaN is what the layer promises.
    /// </summary>
    public static string Digest(IReadOnlyDictionary<string, Func<object>> layers)
    {
        var hash = new Consumers.Sha256();
        foreach (string name in new[] { "DetStdF47Clip", "SDetStdF150Clip", "DetStdD21", "DetStdD11Clip" })
        {
            foreach (int batch in new[] { 1, 3, 64 })
            {
                object layer = layers[name]();
                if (layer is IStandardizeUnderTest<float> f)
                    AppendOutputs(hash, f, batch);
                else
                    AppendOutputs(hash, (IStandardizeUnderTest<double>)layer, batch);
            }
        }
        return hash.Finish();
    }

    /// <summary>This assembly's deterministic layers, by name, for <see cref="Digest"/>.</summary>
    public static IReadOnlyDictionary<string, Func<object>> DeterministicLayers() => new Dictionary<string, Func<object>>
    {
        ["DetStdF47Clip"] = () => new DetStdF47Clip(),
        ["SDetStdF150Clip"] = () => new SDetStdF150Clip(),
        ["DetStdD21"] = () => new DetStdD21(),
        ["DetStdD11Clip"] = () => new DetStdD11Clip(),
    };

    private static void AppendOutputs<T>(Consumers.Sha256 hash, IStandardizeUnderTest<T> layer, int batch) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(1000 + batch);
        SetStatistics(layer, random);
        int size = layer.InputSize;
        T[] specials = [T.NaN, T.PositiveInfinity, T.NegativeInfinity, T.Zero, T.NegativeZero, T.Epsilon];
        var x = new T[batch * size];
        for (int j = 0; j < x.Length; j++)
            x[j] = j % 13 < specials.Length ? specials[j % 13] : T.CreateChecked(12 * random.NextDouble() - 6);
        T[] dy = LayerChecks.RandomValues<T>(random, x.Length);
        var y = new T[x.Length];
        var dx = new T[x.Length];
        layer.Forward(x, y);
        layer.Backward(x, dy, dx);
        foreach (T[] values in new[] { y, dx })
        {
            for (int j = 0; j < values.Length; j++)
            {
                if (T.IsNaN(values[j]))
                    values[j] = T.NaN;
            }
            hash.Append(MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
        }
    }
}
