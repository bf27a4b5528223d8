using System;
using System.Collections.Generic;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// One tensor a layer must find in a file: its name without the layer's prefix (<c>weight</c>), its shape, and whether
/// its values must be positive (a standard deviation the layer divides by) as the layer will hold them.
/// </summary>
internal readonly struct ExpectedTensor
{
    /// <param name="name">The name without the layer's prefix.</param>
    /// <param name="shape">The shape the layer needs.</param>
    /// <param name="positive">Whether every value must be greater than zero (the runtime's <c>TensorConstraint.Positive</c>).</param>
    /// <param name="single">Whether the layer holds it as <c>float</c>, so that a value must stay positive when rounded to float.</param>
    public ExpectedTensor(string name, long[] shape, bool positive = false, bool single = false)
    {
        Name = name;
        Shape = shape;
        Positive = positive;
        Single = single;
    }

    public string Name { get; }

    public long[] Shape { get; }

    public bool Positive { get; }

    public bool Single { get; }

    /// <summary>Throws unless <paramref name="values"/> (tensor <paramref name="name"/> as read, exact in double) meet the tensor's constraint.</summary>
    /// <exception cref="System.IO.InvalidDataException">A value breaks it; the message names the tensor, the element and the value.</exception>
    public void Check(string source, string name, ReadOnlySpan<double> values)
    {
        if (Positive)
            RequirePositive(source, name, values, Single);
    }

    /// <summary>
    /// Throws unless every value is greater than zero as the layer will hold it: in double, and after rounding to float
    /// when <paramref name="single"/> (a tiny positive double that rounds to 0 would divide by zero all the same). NaN
    /// fails every comparison, so <c>!(value &gt; 0)</c> refuses it with zero and the negatives.
    /// </summary>
    /// <exception cref="System.IO.InvalidDataException">A value is zero, negative or NaN (or rounds to zero as float).</exception>
    public static void RequirePositive(string source, string name, ReadOnlySpan<double> values, bool single)
    {
        for (int i = 0; i < values.Length; i++)
        {
            double value = values[i];
            if (!(value > 0))
                throw SafeTensorsHeader.Invalid(source, $"tensor '{name}' holds {value:R} at element {i}; its values must be greater than 0 (the layer divides by them)");
            if (single && !((float)value > 0))
                throw SafeTensorsHeader.Invalid(source, $"tensor '{name}' holds {value:R} at element {i}, which is 0 as a float; its values must be greater than 0 (the layer divides by them)");
        }
    }

    /// <summary>
    /// Whether a file may leave the tensor out: a recurrent layer's initial state (<c>initial_hidden</c>,
    /// <c>initial_cell</c>) is DenseGen's own tensor, which PyTorch's <c>nn.LSTM</c> and <c>nn.GRU</c> state dicts do not
    /// have (they start from zeros), so one missing reads as zeros.
    /// </summary>
    public static bool MayBeAbsent(string kind, string name) =>
        (kind == "Lstm" || kind == "Gru") && name.StartsWith("initial_", StringComparison.Ordinal);

    /// <summary>Elements: the product of the shape.</summary>
    public long Length
    {
        get
        {
            long length = 1;
            foreach (long dimension in Shape)
                length *= dimension;
            return length;
        }
    }
}

/// <summary>
/// A layer a weight file or model must hold, as the file readers of the runtime and the generator alike take it: its
/// tensor prefix, kind, the architecture DenseGen records, its sizes, its activation's name (<c>None</c>, <c>ReLU</c>,
/// ...) and leaky ReLU's slope (for the ONNX mapping), and its tensor table.
/// </summary>
internal readonly struct ExpectedLayer
{
    public ExpectedLayer(string name, string kind, string architecture, int inputs, int outputs, string activation, double negativeSlope, IReadOnlyList<ExpectedTensor> tensors)
    {
        NegativeSlope = negativeSlope;
        Name = name;
        Kind = kind;
        Architecture = architecture;
        Inputs = inputs;
        Outputs = outputs;
        Activation = activation;
        Tensors = tensors;
    }

    public string Name { get; }

    public string Kind { get; }

    public string Architecture { get; }

    public int Inputs { get; }

    public int Outputs { get; }

    public string Activation { get; }

    /// <summary>The slope of the layer's leaky ReLU below 0, which an ONNX LeakyRelu's alpha must equal; 0.01 for other layers.</summary>
    public double NegativeSlope { get; }

    public IReadOnlyList<ExpectedTensor> Tensors { get; }

    /// <summary>The index of the tensor named <paramref name="name"/> in the table; -1 when the layer has none (a bias-free layer's bias).</summary>
    public int IndexOf(string name)
    {
        for (int i = 0; i < Tensors.Count; i++)
        {
            if (Tensors[i].Name == name)
                return i;
        }
        return -1;
    }
}
