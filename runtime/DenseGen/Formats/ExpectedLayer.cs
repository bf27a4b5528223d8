using System.Collections.Generic;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>One tensor a layer must find in a file: its name without the layer's prefix (<c>weight</c>) and its shape.</summary>
internal readonly struct ExpectedTensor
{
    public ExpectedTensor(string name, long[] shape)
    {
        Name = name;
        Shape = shape;
    }

    public string Name { get; }

    public long[] Shape { get; }

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
/// ...; for the ONNX mapping) and its tensor table.
/// </summary>
internal readonly struct ExpectedLayer
{
    public ExpectedLayer(string name, string kind, string architecture, int inputs, int outputs, string activation, IReadOnlyList<ExpectedTensor> tensors)
    {
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
