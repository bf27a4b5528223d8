using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;
using DenseGen.CompilerServices;

namespace DenseGen.Benchmarks;

/// <summary>
/// Would the streamed LSTM step be faster with its recurrent weights stored transposed (column-major, as RTNeural's
/// Eigen layers keep them)? DenseGen's generated step (the baseline) sums each gate row of the row-major
/// <c>weight_hh</c> PyTorch defines, then reduces the rows' vectors; a hand-written step here reads a transposed copy
/// instead, one broadcast state value times a row of the copy per multiply-add, with no reductions. Its product alone
/// (the activations left out) splits its time between the product and the gates' activations.
/// </summary>
/// <remarks>
/// This measures a layout, not a kernel the generator writes: the layer's weights are public spans in PyTorch's layout, so
/// a transposed copy the step read would go stale behind any write to them. Before anything is timed, the hand-written
/// step must match DenseGen's output over the first steps from zero state, or the setup throws.
/// </remarks>
[GenericTypeArguments(typeof(LstmIn1Hidden16))]
[GenericTypeArguments(typeof(LstmIn1Hidden40))]
[IterationTime(125)]
public class RecurrentLayoutBenchmarks<TCell> : IDisposable where TCell : struct, IRecurrentCell
{
    private const int SignalSteps = 1024;
    private const int ParitySteps = 16;

    /// <summary>As <see cref="RecurrentStepBenchmarks{TCell, THead}"/>'s: rounding differs by a few 1e-6, a wrong gate by 1e-1.</summary>
    private const float Tolerance = 1e-4f;

    private AlignedArray<byte> _cellBlock;
    private AlignedArray<float> _hidden, _transposed, _inputWeights, _bias, _h, _c, _gates;
    private float[] _signal = [];
    private int _hiddenSize, _t;

    private static ref float At(AlignedArray<float> array) => ref MemoryMarshal.GetReference(array.Span);

    private ref TCell Cell => ref Unsafe.As<byte, TCell>(ref MemoryMarshal.GetReference(_cellBlock.Span));

    [GlobalSetup]
    public void Setup()
    {
        _cellBlock = new AlignedArray<byte>(Unsafe.SizeOf<TCell>());
        Cell = default;
        ref TCell cell = ref Cell;
        int hidden = _hiddenSize = cell.HiddenState.Length, rows = 4 * hidden;
        if (cell.WeightHhL0.Length != rows * hidden || cell.WeightIhL0.Length != rows || rows % 32 != 0)
            throw new InvalidOperationException($"{typeof(TCell).Name}: the hand-written step takes an LSTM of one input and Hidden a multiple of 8.");

        RecurrentWeights weights = RecurrentWeights.Random(isLstm: true, 1, hidden, seed: (ulong)(1000 + hidden));
        weights.WeightIh.CopyTo(cell.WeightIhL0);
        weights.WeightHh.CopyTo(cell.WeightHhL0);
        weights.BiasIh.CopyTo(cell.BiasIhL0);
        weights.BiasHh.CopyTo(cell.BiasHhL0);

        // The copy: row j holds column j of weight_hh, every gate's rows side by side; the two biases summed once.
        _transposed = new AlignedArray<float>(rows * hidden);
        _inputWeights = new AlignedArray<float>(rows);
        _bias = new AlignedArray<float>(rows);
        for (int r = 0; r < rows; r++)
        {
            for (int j = 0; j < hidden; j++)
                _transposed.Span[j * rows + r] = weights.WeightHh[r * hidden + j];
            _inputWeights.Span[r] = weights.WeightIh[r];
            _bias.Span[r] = weights.BiasIh[r] + weights.BiasHh[r];
        }
        _hidden = new AlignedArray<float>(hidden);
        _h = new AlignedArray<float>(hidden);
        _c = new AlignedArray<float>(hidden);
        _gates = new AlignedArray<float>(rows);

        var random = new SeededRandom(3);
        _signal = new float[SignalSteps];
        for (int i = 0; i < _signal.Length; i++)
            _signal[i] = (float)(2 * random.NextDouble() - 1);
        CheckParity();
    }

    /// <summary>
    /// Both 256- and 512-bit hand-written steps against DenseGen's, hidden state by hidden state (where the processor
    /// lacks a width, its step runs in software: still checked, but its time means nothing).
    /// </summary>
    private void CheckParity()
    {
        foreach (bool wide in new[] { false, true })
        {
            Cell.ResetState();
            _h.Span.Clear();
            _c.Span.Clear();
            for (int t = 0; t < ParitySteps; t++)
            {
                Cell.Step(_signal.AsSpan(t, 1), _hidden.Span);
                if (wide)
                    TransposedStep512(_signal[t]);
                else
                    TransposedStep256(_signal[t], activate: true);
                for (int j = 0; j < _hiddenSize; j++)
                {
                    float denseGen = _hidden.Span[j], transposed = _h.Span[j];
                    if (!(Math.Abs(denseGen - transposed) <= Tolerance * Math.Max(1, Math.Abs(denseGen))))
                        throw new InvalidOperationException($"{typeof(TCell).Name}: the {(wide ? 512 : 256)}-bit transposed step differs at step {t}, h[{j}]: {transposed} against {denseGen}.");
                }
            }
        }
        _t = ParitySteps;
    }

    private float NextInput()
    {
        int t = _t;
        _t = (t + 1) & (SignalSteps - 1);
        return _signal[t];
    }

    /// <summary>DenseGen's generated step, from the row-major weights.</summary>
    [Benchmark(Baseline = true)]
    public void DenseGen_StepOnly()
    {
        int t = _t;
        _t = (t + 1) & (SignalSteps - 1);
        Cell.Step(_signal.AsSpan(t, 1), _hidden.Span);
    }

    /// <summary>The same step from the transposed copy, 256-bit vectors.</summary>
    [Benchmark]
    public void Transposed256() => TransposedStep256(NextInput(), activate: true);

    /// <summary>The same step from the transposed copy, 512-bit vectors.</summary>
    [Benchmark]
    public void Transposed512() => TransposedStep512(NextInput());

    /// <summary>The 256-bit step's product alone: the gates' sums, then a multiply-add in place of the activations.</summary>
    [Benchmark]
    public void Transposed256_ProductOnly() => TransposedStep256(NextInput(), activate: false);

    /// <summary>
    /// Gate sums 32 rows at a time, eight accumulators (state values j and j + 1 in separate chains, so the multiply-adds
    /// keep both FMA pipes busy), then LSTM's cell and hidden state a vector of units at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TransposedStep256(float x, bool activate)
    {
        int hidden = _hiddenSize, rows = 4 * hidden;
        ref float h = ref At(_h), gates = ref At(_gates), bias = ref At(_bias), wih = ref At(_inputWeights), transposed = ref At(_transposed);
        Vector256<float> xb = Vector256.Create(x);
        for (int r = 0; r < rows; r += 32)
        {
            Vector256<float> a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref wih, (nuint)r), xb, Vector256.LoadUnsafe(ref bias, (nuint)r));
            Vector256<float> a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref wih, (nuint)(r + 8)), xb, Vector256.LoadUnsafe(ref bias, (nuint)(r + 8)));
            Vector256<float> a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref wih, (nuint)(r + 16)), xb, Vector256.LoadUnsafe(ref bias, (nuint)(r + 16)));
            Vector256<float> a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref wih, (nuint)(r + 24)), xb, Vector256.LoadUnsafe(ref bias, (nuint)(r + 24)));
            Vector256<float> b0 = Vector256<float>.Zero, b1 = b0, b2 = b0, b3 = b0;
            nuint w = (nuint)r;
            for (int j = 0; j < hidden; j += 2, w += (nuint)(2 * rows))
            {
                Vector256<float> h0 = Vector256.Create(Unsafe.Add(ref h, j)), h1 = Vector256.Create(Unsafe.Add(ref h, j + 1));
                a0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref transposed, w), h0, a0);
                a1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref transposed, w + 8), h0, a1);
                a2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref transposed, w + 16), h0, a2);
                a3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref transposed, w + 24), h0, a3);
                b0 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref transposed, w + (nuint)rows), h1, b0);
                b1 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref transposed, w + (nuint)(rows + 8)), h1, b1);
                b2 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref transposed, w + (nuint)(rows + 16)), h1, b2);
                b3 = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref transposed, w + (nuint)(rows + 24)), h1, b3);
            }
            (a0 + b0).StoreUnsafe(ref gates, (nuint)r);
            (a1 + b1).StoreUnsafe(ref gates, (nuint)(r + 8));
            (a2 + b2).StoreUnsafe(ref gates, (nuint)(r + 16));
            (a3 + b3).StoreUnsafe(ref gates, (nuint)(r + 24));
        }
        if (!activate)
        {
            // Something of every gate reaches the state, so the next step still waits for this one.
            for (int j = 0; j < hidden; j += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref gates, (nuint)j), Vector256.LoadUnsafe(ref gates, (nuint)(hidden + j)), Vector256.LoadUnsafe(ref gates, (nuint)(2 * hidden + j)) * Vector256.LoadUnsafe(ref gates, (nuint)(3 * hidden + j))).StoreUnsafe(ref h, (nuint)j);
            return;
        }
        StateFrom256(0);
    }

    /// <summary>
    /// LSTM's cell and hidden state from the gates' sums for units <paramref name="first"/> on, 8 at a time in two passes
    /// (first every block's gates and cell, then every block's tanh and h, so that independent blocks overlap).
    /// </summary>
    private void StateFrom256(int first)
    {
        for (int j = first; j < _hiddenSize; j += 8)
            CellOf8(j);
        for (int j = first; j < _hiddenSize; j += 8)
            HiddenOf8(j);
    }

    /// <summary>Units j to j + 7: the input, forget and candidate gates, the new cell, and the output gate kept for <see cref="HiddenOf8"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void CellOf8(int j)
    {
        int hidden = _hiddenSize;
        ref float c = ref At(_c), gates = ref At(_gates);
        Vector256<float> input = VectorMath.Sigmoid(Vector256.LoadUnsafe(ref gates, (nuint)j));
        Vector256<float> forget = VectorMath.Sigmoid(Vector256.LoadUnsafe(ref gates, (nuint)(hidden + j)));
        Vector256<float> candidate = VectorMath.Tanh(Vector256.LoadUnsafe(ref gates, (nuint)(2 * hidden + j)));
        (forget * Vector256.LoadUnsafe(ref c, (nuint)j) + input * candidate).StoreUnsafe(ref c, (nuint)j);
        VectorMath.Sigmoid(Vector256.LoadUnsafe(ref gates, (nuint)(3 * hidden + j))).StoreUnsafe(ref gates, (nuint)(3 * hidden + j));
    }

    /// <summary>Units j to j + 7 of the new hidden state: the output gate times tanh of the cell.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void HiddenOf8(int j) =>
        (Vector256.LoadUnsafe(ref At(_gates), (nuint)(3 * _hiddenSize + j)) * VectorMath.Tanh(Vector256.LoadUnsafe(ref At(_c), (nuint)j))).StoreUnsafe(ref At(_h), (nuint)j);

    /// <summary>The same at 512 bits: 64 rows at a time, then 32 where the rows are not a multiple of 64.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void TransposedStep512(float x)
    {
        int hidden = _hiddenSize, rows = 4 * hidden;
        ref float h = ref At(_h), c = ref At(_c), gates = ref At(_gates), bias = ref At(_bias), wih = ref At(_inputWeights), transposed = ref At(_transposed);
        Vector512<float> xb = Vector512.Create(x);
        int r = 0;
        for (; r + 64 <= rows; r += 64)
        {
            Vector512<float> a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wih, (nuint)r), xb, Vector512.LoadUnsafe(ref bias, (nuint)r));
            Vector512<float> a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wih, (nuint)(r + 16)), xb, Vector512.LoadUnsafe(ref bias, (nuint)(r + 16)));
            Vector512<float> a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wih, (nuint)(r + 32)), xb, Vector512.LoadUnsafe(ref bias, (nuint)(r + 32)));
            Vector512<float> a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wih, (nuint)(r + 48)), xb, Vector512.LoadUnsafe(ref bias, (nuint)(r + 48)));
            nuint w = (nuint)r;
            for (int j = 0; j < hidden; j++, w += (nuint)rows)
            {
                Vector512<float> hj = Vector512.Create(Unsafe.Add(ref h, j));
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref transposed, w), hj, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref transposed, w + 16), hj, a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref transposed, w + 32), hj, a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref transposed, w + 48), hj, a3);
            }
            a0.StoreUnsafe(ref gates, (nuint)r);
            a1.StoreUnsafe(ref gates, (nuint)(r + 16));
            a2.StoreUnsafe(ref gates, (nuint)(r + 32));
            a3.StoreUnsafe(ref gates, (nuint)(r + 48));
        }
        if (r < rows)
        {
            Vector512<float> a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wih, (nuint)r), xb, Vector512.LoadUnsafe(ref bias, (nuint)r));
            Vector512<float> a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wih, (nuint)(r + 16)), xb, Vector512.LoadUnsafe(ref bias, (nuint)(r + 16)));
            Vector512<float> b0 = Vector512<float>.Zero, b1 = b0;
            nuint w = (nuint)r;
            for (int j = 0; j < hidden; j += 2, w += (nuint)(2 * rows))
            {
                Vector512<float> h0 = Vector512.Create(Unsafe.Add(ref h, j)), h1 = Vector512.Create(Unsafe.Add(ref h, j + 1));
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref transposed, w), h0, a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref transposed, w + 16), h0, a1);
                b0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref transposed, w + (nuint)rows), h1, b0);
                b1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref transposed, w + (nuint)(rows + 16)), h1, b1);
            }
            (a0 + b0).StoreUnsafe(ref gates, (nuint)r);
            (a1 + b1).StoreUnsafe(ref gates, (nuint)(r + 16));
        }
        // The state 16 units at a time where Hidden allows, the rest 8 at a time, in the same two passes.
        int whole = hidden / 16 * 16;
        for (int j = 0; j < whole; j += 16)
        {
            Vector512<float> input = VectorMath.Sigmoid(Vector512.LoadUnsafe(ref gates, (nuint)j));
            Vector512<float> forget = VectorMath.Sigmoid(Vector512.LoadUnsafe(ref gates, (nuint)(hidden + j)));
            Vector512<float> candidate = VectorMath.Tanh(Vector512.LoadUnsafe(ref gates, (nuint)(2 * hidden + j)));
            (forget * Vector512.LoadUnsafe(ref c, (nuint)j) + input * candidate).StoreUnsafe(ref c, (nuint)j);
            VectorMath.Sigmoid(Vector512.LoadUnsafe(ref gates, (nuint)(3 * hidden + j))).StoreUnsafe(ref gates, (nuint)(3 * hidden + j));
        }
        for (int j = whole; j < hidden; j += 8)
            CellOf8(j);
        for (int j = 0; j < whole; j += 16)
            (Vector512.LoadUnsafe(ref gates, (nuint)(3 * hidden + j)) * VectorMath.Tanh(Vector512.LoadUnsafe(ref c, (nuint)j))).StoreUnsafe(ref h, (nuint)j);
        for (int j = whole; j < hidden; j += 8)
            HiddenOf8(j);
    }

    [GlobalCleanup]
    public void Dispose() => GC.SuppressFinalize(this);
}
