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
/// Reads an ONNX model into each layer's tensor table, by name: the graph's dense layers give a <c>weight</c> and a
/// <c>bias</c>, which go where the layer's table names them. Kinds the ONNX mapping does not read yet are refused with
/// the layer's name.
/// </summary>
internal static class OnnxTensorTable
{
    /// <summary>Each layer's tensors in its table's order, as <see cref="SafeTensorsLayers.Map"/> returns them.</summary>
    /// <exception cref="InvalidDataException">The graph is not the declared layers; the message names the node or layer.</exception>
    public static List<double[][]> Map(OnnxModel model, string source, IReadOnlyList<ExpectedLayer> layers)
    {
        foreach (ExpectedLayer layer in layers)
        {
            if (layer.Kind != "Dense")
                throw new InvalidDataException($"{source}: the network's layer '{layer.Name}' is a {layer.Kind} layer, which DenseGen does not read from ONNX models yet.");
        }
        List<(double[] Weights, double[] Bias)> dense = OnnxLayers.Map(model, source, layers);
        var result = new List<double[][]>(dense.Count);
        for (int i = 0; i < dense.Count; i++)
        {
            ExpectedLayer layer = layers[i];
            var tensors = new double[layer.Tensors.Count][];
            for (int t = 0; t < tensors.Length; t++)
                tensors[t] = layer.Tensors[t].Name == "weight" ? dense[i].Weights : dense[i].Bias;
            result.Add(tensors);
        }
        return result;
    }
}
