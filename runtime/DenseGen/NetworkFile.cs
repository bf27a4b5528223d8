using System;
using System.Collections.Generic;
using System.ComponentModel;
using System.Globalization;
using System.IO;
using System.Linq;
using DenseGen.Formats;
#if NET8_0_OR_GREATER
using System.Numerics;
#endif

namespace DenseGen.CompilerServices;

/// <summary>
/// Reads and writes the weight files of generated networks; use the network's own <c>Save</c> and <c>Load</c>.
/// Like everything in <c>DenseGen.CompilerServices</c>, it is called by generated code and is not part of the
/// supported API: it may change in any release.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class NetworkFile
{
    private const string LayerCountKey = SafeTensorsLayers.LayerCountKey;
    private const string LayerKeyPrefix = SafeTensorsLayers.LayerKeyPrefix;

    /// <summary>
    /// Writes every layer's tensors (<paramref name="tensors"/> holds each layer's tensor table in order: weight 0,
    /// bias 0, weight 1, … for dense layers) under <c>{layer}.{tensor}</c>, and the architecture, atomically.
    /// </summary>
    /// <exception cref="IOException">The file could not be written; <paramref name="path"/> is unchanged.</exception>
    public static void Save<T>(string path, IReadOnlyList<LayerDescription> layers, T[][] tensors) where T : unmanaged
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        Argument.NotNull(layers, nameof(layers));
        Argument.NotNull(tensors, nameof(tensors));
        int expected = layers.Sum(layer => layer.Tensors.Count);
        if (tensors.Length != expected)
            throw new ArgumentException($"expected {expected} tensors, those of every layer's table; got {tensors.Length}.", nameof(tensors));
        var entries = new List<(string Name, int[] Shape, T[] Data)>(tensors.Length);
        int next = 0;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [LayerCountKey] = layers.Count.ToString(CultureInfo.InvariantCulture),
        };
        for (int i = 0; i < layers.Count; i++)
        {
            LayerDescription layer = layers[i];
            foreach (TensorDescription tensor in layer.Tensors)
            {
                T[] data = tensors[next++];
                if (data is null || data.Length != tensor.Length)
                    throw new ArgumentException($"the tensor '{layer.TensorName}.{tensor.Name}' has {data?.Length ?? 0} elements; its shape needs {tensor.Length}.", nameof(tensors));
                entries.Add((layer.TensorName + "." + tensor.Name, tensor.ShapeArray(), data));
            }
            metadata[LayerKeyPrefix + i.ToString(CultureInfo.InvariantCulture)] = layer.TensorName + ": " + layer.Architecture;
        }
        SafeTensorsFile.Write(path, entries, metadata);
    }

    /// <summary>Reads <paramref name="path"/> and validates it against <paramref name="layers"/>; see <see cref="Parse{T}"/>.</summary>
    /// <exception cref="InvalidDataException">The file is invalid or does not fit the network; the message names the tensor or layer.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static T[][] Read<T>(string path, IReadOnlyList<LayerDescription> layers, bool strict)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        return Parse<T>(File.ReadAllBytes(path), Path.GetFileName(path), layers, strict);
    }

    /// <summary>
    /// Validates a whole weight file against the network's layers and returns their tensors (each layer's table in order:
    /// weight 0, bias 0, weight 1, … for dense layers) converted to <typeparamref name="T"/>, ready to copy. Refuses a file whose recorded architecture differs (a
    /// different activation, say), a missing or mis-shaped tensor, and, when <paramref name="strict"/>, any tensor the
    /// network does not have: as PyTorch's <c>load_state_dict(strict=True)</c>. A file without DenseGen's architecture
    /// record (one written by PyTorch, say) is checked by its tensors' names and shapes alone.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is invalid or does not fit the network; the message names the tensor or layer.</exception>
    public static T[][] Parse<T>(byte[] bytes, string source, IReadOnlyList<LayerDescription> layers, bool strict)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        Argument.NotNull(layers, nameof(layers));
        SafeTensorsHeader file = SafeTensorsHeader.Parse(bytes, source);
        return ToTensors<T>(SafeTensorsLayers.Map(file, Expected<T>(layers), strict));
    }

    /// <summary>Reads an ONNX model from <paramref name="path"/>; see <see cref="ParseOnnx{T}"/>.</summary>
    /// <exception cref="InvalidDataException">The model is invalid or is not this network; the message names the node or layer.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static T[][] ReadOnnx<T>(string path, IReadOnlyList<LayerDescription> layers)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        return ParseOnnx<T>(File.ReadAllBytes(path), Path.GetFileName(path), layers);
    }

    /// <summary>Reads a whole stream holding an ONNX model; see <see cref="ParseOnnx{T}"/>.</summary>
    /// <exception cref="InvalidDataException">The model is invalid or is not this network; the message names the node or layer.</exception>
    /// <exception cref="IOException">The stream could not be read.</exception>
    public static T[][] ReadOnnx<T>(Stream stream, IReadOnlyList<LayerDescription> layers)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        Argument.NotNull(stream, nameof(stream));
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return ParseOnnx<T>(copy.ToArray(), "the ONNX stream", layers);
    }

    /// <summary>
    /// Validates a whole ONNX model (as <c>torch.onnx.export</c> and other exporters write multilayer perceptrons)
    /// against the network's layers and returns their weights and biases converted to <typeparamref name="T"/>, ready
    /// to copy: the graph's layers in order, each with the declared sizes and activation.
    /// </summary>
    /// <exception cref="InvalidDataException">The model is invalid or is not this network; the message names the node or layer.</exception>
    public static T[][] ParseOnnx<T>(byte[] bytes, string source, IReadOnlyList<LayerDescription> layers)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        Argument.NotNull(bytes, nameof(bytes));
        Argument.NotNull(layers, nameof(layers));
        OnnxModel model = OnnxModel.Parse(bytes, source, safetensorsAdvice: "did you mean Load?");
        return ToTensors<T>(OnnxLayers.Map(model, source, Expected<T>(layers)));
    }

    /// <summary>
    /// Copies weights baked into the assembly into a layer's span: the generator writes each tensor from the network's
    /// weight file as a string constant holding its little-endian <typeparamref name="T"/> bytes, two to a character
    /// (byte 2i in the low half of character i).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="data"/> does not hold exactly the destination's bytes.</exception>
    public static void CopyBaked<T>(ReadOnlySpan<char> data, Span<T> destination) where T : unmanaged
    {
        Span<byte> bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(destination);
        if (2 * data.Length != bytes.Length)
            throw new ArgumentException($"baked data of {2 * data.Length} bytes for a tensor of {bytes.Length}.", nameof(data));
        for (int i = 0; i < data.Length; i++)
        {
            bytes[2 * i] = (byte)data[i];
            bytes[2 * i + 1] = (byte)(data[i] >> 8);
        }
        LittleEndian.SwapOnBigEndian(bytes, System.Runtime.InteropServices.Marshal.SizeOf<T>());
    }

    /// <summary>The layers as the file readers check them; a tensor's constraint is checked on its values as <typeparamref name="T"/> holds them.</summary>
    private static ExpectedLayer[] Expected<T>(IReadOnlyList<LayerDescription> layers) =>
        layers.Select(l => new ExpectedLayer(
            l.TensorName, l.Kind, l.Architecture, l.InputSize, l.OutputSize, l.Activation.ToString(), l.NegativeSlope,
            l.Tensors.Select(t => new ExpectedTensor(
                t.Name, t.Shape.Select(d => (long)d).ToArray(), t.Constraint == TensorConstraint.Positive, typeof(T) == typeof(float))).ToArray())).ToArray();

    /// <summary>Every layer's tensors, in table order, in <typeparamref name="T"/>, ready to copy into the layers.</summary>
    private static T[][] ToTensors<T>(List<double[][]> layers) where T : unmanaged =>
        layers.SelectMany(tensors => tensors).Select(Convert<T>).ToArray();

    private static T[] Convert<T>(double[] values) where T : unmanaged
    {
        var result = new T[values.Length];
        if (typeof(T) == typeof(float))
        {
            Span<float> floats = System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(result.AsSpan());
            for (int i = 0; i < values.Length; i++)
                floats[i] = (float)values[i];
        }
        else if (typeof(T) == typeof(double))
        {
            values.AsSpan().CopyTo(System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(result.AsSpan()));
        }
        else
        {
            throw new NotSupportedException($"Networks of {typeof(T).Name} cannot load weights; use float or double.");
        }
        return result;
    }
}
