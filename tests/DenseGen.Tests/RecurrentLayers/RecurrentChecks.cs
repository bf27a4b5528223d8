using System;
using System.Linq;
using System.Numerics;
using DenseGen.Tests.Infrastructure;
using DenseGen.Tests.Recurrent;

namespace DenseGen.Tests.RecurrentLayers;

/// <summary>
/// The recurrent layers' numerical checks, on whichever kernels the process runs (the gates' sigmoid and tanh are the
/// runtime's span functions, with vector and scalar paths of their own): in this process, in the children
/// <see cref="VectorPathTests"/> starts with vectors disabled, and on arm64 under qemu (tests/Consumers/Arm64), all through
/// <see cref="KernelChecks"/>. Each layer of RecurrentLayers.cs runs Forward and Backward over 3 streams × 7 steps from a
/// random state and is compared with the double reference within the first-order bound of <see cref="RecurrentErrorBound"/>
/// (docs/math.md): a result computed at unit roundoff u is within u·β of the exact one and the reference within 2⁻⁵³·β,
/// so the two differ by at most (u + 2⁻⁵³)·β. The deterministic layers' bits are folded into a digest that must be
/// <see cref="ExpectedDigest"/> on every path.
/// </summary>
internal static class RecurrentChecks
{
    /// <summary>The committed digest of the deterministic layers' outputs, states and gradients; a change to their arithmetic changes it.</summary>
    public const string ExpectedDigest = "dddab9c3a6e98b626f9aa9b22bbd4fe7aa768948117ae70fd533d8d076ee8c1b";

    private const int Streams = 3, Steps = 7;

    private static readonly string[] FloatLayers =
        [nameof(StreamsLstm), nameof(StreamsGru), nameof(StreamsLstmDeterministic), nameof(StreamsGruDeterministic), nameof(WideInputLstm), nameof(WideInputGru), nameof(WideInputLstm8), nameof(WideInputGru8),
         nameof(FusedLstmStruct), nameof(FusedGruStruct)];

    private static readonly string[] DoubleLayers = [nameof(StreamsLstmStruct), nameof(StreamsGruStruct)];

    /// <summary>Runs every check; throws on the first failure, returns the number run.</summary>
    public static int RunAll()
    {
        int checks = 0;
        foreach (string name in FloatLayers)
        {
            CheckAgainstReference(RecurrentLayersUnderTest.Float(name), seed: checks);
            checks++;
        }
        foreach (string name in DoubleLayers)
        {
            CheckAgainstReference(RecurrentLayersUnderTest.Double(name), seed: checks);
            checks++;
        }
        return checks;
    }

    /// <summary>SHA-256 of the deterministic layers' outputs, final states and every gradient over the same run.</summary>
    public static string Digest()
    {
        var hash = new Consumers.Sha256();
        foreach (string name in new[] { nameof(StreamsLstmDeterministic), nameof(StreamsGruDeterministic) })
        {
            Run run = Execute(RecurrentLayersUnderTest.Float(name), seed: 7);
            foreach (double value in run.Output.Concat(run.Hidden).Concat(run.Cell).Concat(run.InputGradient).Concat(run.StateGradients).Concat(run.Gradients.SelectMany(g => g)))
                hash.AppendLittleEndian((ulong)BitConverter.DoubleToInt64Bits(value));
        }
        return hash.Finish();
    }

    private sealed record Run(RecurrentReference Reference, double[] X, double[] H0, double[]? C0, double[] DOutput, double[] Output, double[] Hidden, double[] Cell,
        double[] InputGradient, double[] StateGradients, double[][] Gradients);

    /// <summary>Random weights, input, output gradient and starting state (exact in <typeparamref name="T"/>); Forward then Backward.</summary>
    private static Run Execute<T>(RecurrentUnderTest<T> layer, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int hidden = layer.HiddenSize, layers = layer.Layers;
        T Next() => T.CreateChecked(random.NextDouble() - 0.5);
        var reference = new RecurrentReference(layer.HasCell ? RecurrentKind.Lstm : RecurrentKind.Gru, layer.InputSize, hidden, layers);
        for (int k = 0; k < layers; k++)
        {
            foreach ((string name, double[] values) in new[] { ($"weight_ih_l{k}", reference.WeightIh[k]), ($"weight_hh_l{k}", reference.WeightHh[k]), ($"bias_ih_l{k}", reference.BiasIh[k]), ($"bias_hh_l{k}", reference.BiasHh[k]) })
            {
                Span<T> tensor = layer.TensorOf(name);
                for (int j = 0; j < tensor.Length; j++)
                {
                    tensor[j] = Next();
                    values[j] = double.CreateChecked(tensor[j]);
                }
            }
        }
        double[] Fill(Span<T> target)
        {
            var values = new double[target.Length];
            for (int j = 0; j < target.Length; j++)
            {
                target[j] = Next();
                values[j] = double.CreateChecked(target[j]);
            }
            return values;
        }
        double[] h0 = Fill(layer.HiddenState), c0 = layer.HasCell ? Fill(layer.CellState) : [];
        var x = new T[Streams * Steps * layer.InputSize];
        var dy = new T[Streams * Steps * hidden];
        double[] xs = Fill(x), dys = Fill(dy);
        var y = new T[dy.Length];
        var dx = new T[x.Length];
        layer.Forward(x, y, Steps);
        layer.Backward(x, dy, dx);
        return new Run(reference, xs, StreamsOf(h0, layers, layer.MaxBatch, hidden), layer.HasCell ? StreamsOf(c0, layers, layer.MaxBatch, hidden) : null, dys,
            Doubles<T>(y), StreamsOf(Doubles<T>(layer.HiddenState), layers, layer.MaxBatch, hidden), layer.HasCell ? StreamsOf(Doubles<T>(layer.CellState), layers, layer.MaxBatch, hidden) : [],
            Doubles<T>(dx), StreamsOf(Doubles<T>(layer.HiddenStateGradients), layers, layer.MaxBatch, hidden).Concat(layer.HasCell ? StreamsOf(Doubles<T>(layer.CellStateGradients), layers, layer.MaxBatch, hidden) : []).ToArray(),
            Enumerable.Range(0, layers).SelectMany(k => new[] { $"weight_ih_l{k}", $"weight_hh_l{k}", $"bias_ih_l{k}", $"bias_hh_l{k}" }).Select(name => Doubles<T>(layer.GradientOf(name))).ToArray());
    }

    private static void CheckAgainstReference<T>(RecurrentUnderTest<T> layer, int seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Run run = Execute(layer, seed);
        RecurrentReference reference = run.Reference;
        RecurrentErrorBound bound = RecurrentErrorBound.Forward(reference, run.X, Streams, Steps, run.H0, run.C0);
        RecurrentErrorBound.GradientBound gradients = bound.Backward(run.DOutput);
        double allowed = ErrorBound.Roundoff<T>() + ErrorBound.DoubleRoundoff;
        Within(bound.Pass.Output, run.Output, bound.Output, allowed, $"{layer}: output");
        Within(bound.Pass.HN, run.Hidden, bound.HN, allowed, $"{layer}: final hidden state");
        if (bound.Pass.CN is { } cell)
            Within(cell, run.Cell, bound.CN!, allowed, $"{layer}: final cell state");
        RecurrentReference.Gradients value = gradients.Value, beta = gradients.Coefficient;
        Within(value.X, run.InputGradient, beta.X, allowed, $"{layer}: input gradient");
        Within([.. value.H0, .. value.C0 ?? []], run.StateGradients, [.. beta.H0, .. beta.C0 ?? []], allowed, $"{layer}: state gradients");
        for (int k = 0; k < reference.Layers; k++)
        {
            Within(value.WeightIh[k], run.Gradients[4 * k], beta.WeightIh[k], allowed, $"{layer}: weight_ih_l{k} gradient");
            Within(value.WeightHh[k], run.Gradients[4 * k + 1], beta.WeightHh[k], allowed, $"{layer}: weight_hh_l{k} gradient");
            Within(value.BiasIh[k], run.Gradients[4 * k + 2], beta.BiasIh[k], allowed, $"{layer}: bias_ih_l{k} gradient");
            Within(value.BiasHh[k], run.Gradients[4 * k + 3], beta.BiasHh[k], allowed, $"{layer}: bias_hh_l{k} gradient");
        }
    }

    private static void Within(double[] expected, double[] actual, double[] coefficient, double roundoff, string what)
    {
        if (expected.Length != actual.Length || expected.Length != coefficient.Length)
            throw new InvalidOperationException($"{what}: {actual.Length} values, the reference has {expected.Length} and its bound {coefficient.Length}");
        for (int i = 0; i < expected.Length; i++)
        {
            if (!(Math.Abs(actual[i] - expected[i]) <= roundoff * coefficient[i]))
                throw new InvalidOperationException($"{what}[{i}] is {actual[i]:R}, the double reference {expected[i]:R}: beyond the bound {roundoff * coefficient[i]:G3}");
        }
    }

    /// <summary>The first <see cref="Streams"/> streams of a <c>[Layers, MaxBatch, Hidden]</c> state, as <c>[Layers, Streams, Hidden]</c>.</summary>
    private static double[] StreamsOf(double[] state, int layers, int maxBatch, int hidden) =>
        Enumerable.Range(0, layers).SelectMany(k => state.Skip(k * maxBatch * hidden).Take(Streams * hidden)).ToArray();

    private static double[] Doubles<T>(ReadOnlySpan<T> values) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            result[i] = double.CreateChecked(values[i]);
        return result;
    }
}
