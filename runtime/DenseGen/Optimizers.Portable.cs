using System;
using System.Runtime.InteropServices;

namespace DenseGen;

// The updates for the .NET Standard builds, which have no generic math: float and double loops with the .NET 8
// build's operations in its order (its vectors compute each element as its scalar loop does), so both builds take
// the same step to the bit.
public abstract partial class Optimizer<T>
{
    /// <summary>The smallest positive normal float: a momentum below it becomes zero (see the class remarks).</summary>
    private protected const float SmallestNormalSingle = 1.17549435E-38f;

    /// <summary>The smallest positive normal double.</summary>
    private protected const double SmallestNormalDouble = 2.2250738585072014E-308;

    private protected static float FlushSubnormal(float x) => Math.Abs(x) < SmallestNormalSingle ? 0f : x;

    private protected static double FlushSubnormal(double x) => Math.Abs(x) < SmallestNormalDouble ? 0d : x;

    private protected static NotSupportedException UnsupportedElement() =>
        new("The .NET Standard build of DenseGen optimizes float and double parameters, not " + typeof(T).Name + ".");

#if NETSTANDARD2_1
    private protected static float SquareRoot(float x) => MathF.Sqrt(x);
#else
    // .NET Standard 2.0 has no MathF. The square root of a float taken in double and rounded to float is the correctly
    // rounded float square root (double has more than twice float's precision), so the result is the same.
    private protected static float SquareRoot(float x) => (float)Math.Sqrt(x);
#endif
}

public sealed partial class Sgd<T>
{
    /// <inheritdoc/>
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int stateOffset)
    {
        if (typeof(T) == typeof(float))
            Update(MemoryMarshal.Cast<T, float>(parameters), MemoryMarshal.Cast<T, float>(gradients), MemoryMarshal.Cast<T, float>(_velocity.Span), stateOffset);
        else if (typeof(T) == typeof(double))
            Update(MemoryMarshal.Cast<T, double>(parameters), MemoryMarshal.Cast<T, double>(gradients), MemoryMarshal.Cast<T, double>(_velocity.Span), stateOffset);
        else
            throw UnsupportedElement();
    }

    private void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> velocity, int stateOffset)
    {
        float rate = (float)_learningRate, decay = (float)_weightDecay, momentum = (float)_momentum;
        if (!_hasVelocity || momentum == 0f)
        {
            for (int i = 0; i < p.Length; i++)
                p[i] -= rate * (g[i] + decay * p[i]);
            return;
        }
        Span<float> v = velocity.Slice(stateOffset, p.Length);
        for (int i = 0; i < p.Length; i++)
        {
            v[i] = FlushSubnormal(momentum * v[i] + (g[i] + decay * p[i]));
            p[i] -= rate * v[i];
        }
    }

    private void Update(Span<double> p, ReadOnlySpan<double> g, Span<double> velocity, int stateOffset)
    {
        double rate = _learningRate, decay = _weightDecay, momentum = _momentum;
        if (!_hasVelocity || momentum == 0d)
        {
            for (int i = 0; i < p.Length; i++)
                p[i] -= rate * (g[i] + decay * p[i]);
            return;
        }
        Span<double> v = velocity.Slice(stateOffset, p.Length);
        for (int i = 0; i < p.Length; i++)
        {
            v[i] = FlushSubnormal(momentum * v[i] + (g[i] + decay * p[i]));
            p[i] -= rate * v[i];
        }
    }
}

public sealed partial class Adam<T>
{
    /// <inheritdoc/>
    protected override void Update(Span<T> parameters, ReadOnlySpan<T> gradients, int stateOffset)
    {
        // The bias corrections in double whatever T is, as PyTorch computes them on the host in double.
        double correction1 = 1 - BiasCorrectionPower(_beta1);
        double correction2 = 1 - BiasCorrectionPower(_beta2);
        double stepSize = _learningRate / correction1;
        double inverseRootCorrection2 = 1 / Math.Sqrt(correction2);
        if (typeof(T) == typeof(float))
        {
            Update(MemoryMarshal.Cast<T, float>(parameters), MemoryMarshal.Cast<T, float>(gradients),
                MemoryMarshal.Cast<T, float>(_firstMoment.Span).Slice(stateOffset, parameters.Length),
                MemoryMarshal.Cast<T, float>(_secondMoment.Span).Slice(stateOffset, parameters.Length),
                (float)stepSize, (float)inverseRootCorrection2);
        }
        else if (typeof(T) == typeof(double))
        {
            Update(MemoryMarshal.Cast<T, double>(parameters), MemoryMarshal.Cast<T, double>(gradients),
                MemoryMarshal.Cast<T, double>(_firstMoment.Span).Slice(stateOffset, parameters.Length),
                MemoryMarshal.Cast<T, double>(_secondMoment.Span).Slice(stateOffset, parameters.Length),
                stepSize, inverseRootCorrection2);
        }
        else
        {
            throw UnsupportedElement();
        }
    }

    private void Update(Span<float> p, ReadOnlySpan<float> g, Span<float> m, Span<float> v, float stepSize, float inverseRootCorrection2)
    {
        float beta1 = (float)_beta1, beta2 = (float)_beta2, oneMinusBeta1 = (float)(1 - _beta1), oneMinusBeta2 = (float)(1 - _beta2);
        float epsilon = (float)_epsilon, decay = (float)_weightDecay;
        for (int i = 0; i < p.Length; i++)
        {
            float gi = g[i] + decay * p[i];
            m[i] = FlushSubnormal(beta1 * m[i] + oneMinusBeta1 * gi);
            v[i] = beta2 * v[i] + oneMinusBeta2 * (gi * gi);
            p[i] -= stepSize * m[i] / (SquareRoot(v[i]) * inverseRootCorrection2 + epsilon);
        }
    }

    private void Update(Span<double> p, ReadOnlySpan<double> g, Span<double> m, Span<double> v, double stepSize, double inverseRootCorrection2)
    {
        double beta1 = _beta1, beta2 = _beta2, oneMinusBeta1 = 1 - _beta1, oneMinusBeta2 = 1 - _beta2;
        double epsilon = _epsilon, decay = _weightDecay;
        for (int i = 0; i < p.Length; i++)
        {
            double gi = g[i] + decay * p[i];
            m[i] = FlushSubnormal(beta1 * m[i] + oneMinusBeta1 * gi);
            v[i] = beta2 * v[i] + oneMinusBeta2 * (gi * gi);
            p[i] -= stepSize * m[i] / (Math.Sqrt(v[i]) * inverseRootCorrection2 + epsilon);
        }
    }
}
