using System;
using System.Numerics.Tensors;

namespace DenseGen.Benchmarks;

/// <summary>The same layer as plain C# loops with run-time sizes: what a user would write by hand.</summary>
public sealed class PlainLoopsLayer(int inputs, int outputs)
{
    public readonly float[] Weights = new float[inputs * outputs];
    public readonly float[] Bias = new float[outputs];
    public readonly float[] WeightGradients = new float[inputs * outputs];
    public readonly float[] BiasGradients = new float[outputs];

    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        int samples = input.Length / inputs;
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                float sum = Bias[o];
                for (int i = 0; i < inputs; i++)
                    sum += Weights[o * inputs + i] * input[s * inputs + i];
                output[s * outputs + o] = sum;
            }
        }
    }

    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        int samples = input.Length / inputs;
        for (int s = 0; s < samples; s++)
        {
            for (int o = 0; o < outputs; o++)
            {
                float g = outputGradient[s * outputs + o];
                BiasGradients[o] += g;
                for (int i = 0; i < inputs; i++)
                    WeightGradients[o * inputs + i] += g * input[s * inputs + i];
            }
            for (int i = 0; i < inputs; i++)
            {
                float sum = 0;
                for (int o = 0; o < outputs; o++)
                    sum += outputGradient[s * outputs + o] * Weights[o * inputs + i];
                inputGradient[s * inputs + i] = sum;
            }
        }
    }
}

/// <summary>
/// The same layer written with System.Numerics.Tensors' TensorPrimitives, one vectorized call per row:
/// Dot for each output, MultiplyAdd for each gradient row.
/// </summary>
public sealed class TensorPrimitivesLayer(int inputs, int outputs)
{
    public readonly float[] Weights = new float[inputs * outputs];
    public readonly float[] Bias = new float[outputs];
    public readonly float[] WeightGradients = new float[inputs * outputs];
    public readonly float[] BiasGradients = new float[outputs];

    public void Forward(ReadOnlySpan<float> input, Span<float> output)
    {
        int samples = input.Length / inputs;
        for (int s = 0; s < samples; s++)
        {
            ReadOnlySpan<float> x = input.Slice(s * inputs, inputs);
            for (int o = 0; o < outputs; o++)
                output[s * outputs + o] = TensorPrimitives.Dot(Weights.AsSpan(o * inputs, inputs), x) + Bias[o];
        }
    }

    public void Backward(ReadOnlySpan<float> input, ReadOnlySpan<float> outputGradient, Span<float> inputGradient)
    {
        int samples = input.Length / inputs;
        for (int s = 0; s < samples; s++)
        {
            ReadOnlySpan<float> x = input.Slice(s * inputs, inputs);
            ReadOnlySpan<float> dy = outputGradient.Slice(s * outputs, outputs);
            Span<float> dx = inputGradient.Slice(s * inputs, inputs);
            TensorPrimitives.Add(BiasGradients, dy, BiasGradients);
            dx.Clear();
            for (int o = 0; o < outputs; o++)
            {
                Span<float> gradientRow = WeightGradients.AsSpan(o * inputs, inputs);
                TensorPrimitives.MultiplyAdd(x, dy[o], gradientRow, gradientRow);
                TensorPrimitives.MultiplyAdd(Weights.AsSpan(o * inputs, inputs), dy[o], dx, dx);
            }
        }
    }
}
