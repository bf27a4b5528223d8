using System.Collections.Generic;
using System.IO;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// How one kind of layer is found in an ONNX graph: the ops it reads, and how they become the layer's tensors, by the
/// names of its tensor table and in PyTorch's layout. <see cref="OnnxLayers"/> walks the graph's chain and hands each
/// layer of the network to its kind's mapping, where the chain has reached that layer's first op. A kind without a
/// mapping cannot be read from ONNX models; adding one is a subclass and a row of <see cref="OnnxLayers"/>' list.
/// </summary>
internal abstract class OnnxLayerMapping
{
    /// <summary>The layer kind it reads, as <c>LayerDescription.Kind</c> names it: <c>Dense</c>.</summary>
    public abstract string Kind { get; }

    /// <summary>The ops it reads, as the message that refuses an unknown op lists them.</summary>
    public abstract IReadOnlyList<string> Ops { get; }

    /// <summary>
    /// Whether the kind's input and output are per time step (a recurrent layer's <c>[streams, steps, In]</c>): the
    /// graph input's last dimension is then the layer's input size, and the others are streams and steps.
    /// </summary>
    public virtual bool PerTimeStep => false;

    /// <summary>Whether a layer of this kind may start at <paramref name="node"/> (a layer the network lacks, when the network's layers are all read).</summary>
    public abstract bool StartsLayer(OnnxNode node);

    /// <summary>
    /// Reads one layer from the chain, whose <see cref="OnnxChain.Next"/> is an op of <see cref="Ops"/>, and takes its
    /// nodes. Returns the layer's tensors in the order of <paramref name="layer"/>'s table, each as long as the table
    /// says, widened to double exactly.
    /// </summary>
    /// <param name="chain">The walk, at the layer's first op.</param>
    /// <param name="layer">The network's layer: its sizes, activation and tensor table.</param>
    /// <param name="index">The layer's position in the network, for messages.</param>
    /// <exception cref="InvalidDataException">The ops are not such a layer, or not this one; the message names the node.</exception>
    public abstract double[][] Read(OnnxChain chain, ExpectedLayer layer, int index);

    /// <summary>Floats widened to double, which is exact.</summary>
    protected static double[] Widen(float[] values)
    {
        var wide = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
            wide[i] = values[i];
        return wide;
    }
}
