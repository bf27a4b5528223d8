using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>
/// Checks a safetensors file against a network's layers and reads their tensors by name, for the runtime's <c>Load</c>
/// and the generator's baked weights alike: every tensor of every layer's table (<c>{layer}.{tensor}</c>, such as an
/// <c>nn.Linear</c>'s <c>{name}.weight</c> <c>[Out, In]</c> and <c>{name}.bias</c> <c>[Out]</c>) present with its shape,
/// as F32 or F64, with values its table allows (a standard deviation greater than 0); the architecture DenseGen records
/// in the metadata, when there is one, the same as the network's (a file written by PyTorch has none and is checked by
/// names and shapes alone); and, when strict, no tensor the network does not have, as PyTorch's
/// <c>load_state_dict(strict=True)</c>. A recurrent layer's initial state, which PyTorch's modules do not have, may be
/// left out and reads as zeros.
/// </summary>
internal static class SafeTensorsLayers
{
    public const string LayerCountKey = "densegen.layers";
    public const string LayerKeyPrefix = "densegen.layer.";

    /// <summary>Each layer's tensors in its table's order, exact in double whether the file holds F32 or F64.</summary>
    /// <exception cref="InvalidDataException">The file does not fit the network; the message names the tensor or layer.</exception>
    public static List<double[][]> Map(SafeTensorsHeader file, IReadOnlyList<ExpectedLayer> layers, bool strict)
    {
        string source = file.Source;
        CheckArchitecture(file, layers);
        var expected = new HashSet<string>(StringComparer.Ordinal);
        foreach (ExpectedLayer layer in layers)
        {
            foreach (ExpectedTensor tensor in layer.Tensors)
            {
                string name = layer.Name + "." + tensor.Name;
                if (!file.Tensors.ContainsKey(name) && ExpectedTensor.MayBeAbsent(layer.Kind, tensor.Name))
                    continue;
                file.Require(name, tensor.Shape);
                expected.Add(name);
            }
        }
        if (strict)
        {
            string? unexpected = file.Tensors.Keys.Where(name => !expected.Contains(name)).OrderBy(name => name, StringComparer.Ordinal).FirstOrDefault();
            if (unexpected is not null)
            {
                throw new InvalidDataException(
                    $"{source}: the file has the tensor '{unexpected}', which the network does not have; load with strict: false to ignore extra tensors.");
            }
        }
        var result = new List<double[][]>(layers.Count);
        foreach (ExpectedLayer layer in layers)
        {
            var tensors = new double[layer.Tensors.Count][];
            for (int i = 0; i < tensors.Length; i++)
            {
                string name = layer.Name + "." + layer.Tensors[i].Name;
                tensors[i] = new double[layer.Tensors[i].Length];
                if (!expected.Contains(name))
                    continue;   // an initial state the file leaves out: zeros, where PyTorch starts
                file.CopyTo(name, tensors[i].AsSpan());
                // Values a layer cannot compute with (a standard deviation ≤ 0 or NaN) are refused here, before any
                // caller writes a layer, so a refused file leaves the network as it was.
                layer.Tensors[i].Check(source, name, tensors[i]);
            }
            result.Add(tensors);
        }
        return result;
    }

    private static void CheckArchitecture(SafeTensorsHeader file, IReadOnlyList<ExpectedLayer> layers)
    {
        string source = file.Source;
        if (!file.Metadata.TryGetValue(LayerCountKey, out string? countText))
            return;
        if (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 0)
            throw new InvalidDataException($"{source}: the metadata entry '{LayerCountKey}' is '{countText}', not a number of layers.");
        if (count != layers.Count)
            throw new InvalidDataException($"{source}: the file records a network of {count} layers; this network has {layers.Count}.");
        for (int i = 0; i < count; i++)
        {
            string key = LayerKeyPrefix + i.ToString(CultureInfo.InvariantCulture);
            string expected = layers[i].Name + ": " + layers[i].Architecture;
            if (!file.Metadata.TryGetValue(key, out string? recorded))
                throw new InvalidDataException($"{source}: the file records {count} layers but no metadata entry '{key}' for layer {i}.");
            if (recorded != expected)
                throw new InvalidDataException($"{source}: layer {i} is recorded as '{recorded}'; this network's layer {i} is '{expected}'.");
        }
    }
}
