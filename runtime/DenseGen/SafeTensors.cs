using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using DenseGen.Formats;
#if NET8_0_OR_GREATER
using System.Numerics;
#endif

namespace DenseGen;

/// <summary>
/// Saves and loads layers in the safetensors format, the one PyTorch (<c>safetensors.torch.save_file</c>) and the
/// Hugging Face tools write: an 8-byte little-endian header length, a JSON header naming each tensor's dtype, shape
/// and byte range, then the raw little-endian tensor data. A layer named <c>fc1</c> is stored as <c>fc1.weight</c>
/// (<c>[Out, In]</c>, the layout of <see cref="IDenseWeights{T}.Weights"/> and of PyTorch's <c>nn.Linear.weight</c>)
/// and <c>fc1.bias</c> (<c>[Out]</c>).
/// </summary>
/// <remarks>
/// These overloads take layers by their named tensors (<see cref="IParameterTensors{T}"/>), of any kind, trainable or frozen: use class layers, since loading
/// into a boxed struct layer fills the box, not the struct. For struct layers read the file with
/// <see cref="SafeTensorsFile.Read"/> and copy each tensor into the layer's spans with <see cref="SafeTensorsFile.CopyTo{T}"/>.
/// </remarks>
public static class SafeTensors
{
    /// <summary>
    /// Writes the layers' weights and biases to <paramref name="path"/>, in <see cref="float"/> (F32) or
    /// <see cref="double"/> (F64) as the layers hold them. Atomic: the file is written under a temporary name in the
    /// same directory, flushed to disk, then renamed over <paramref name="path"/>, so a reader (or a crash) never
    /// sees half a file and an existing file is replaced only by a complete one.
    /// </summary>
    /// <param name="path">The file to write.</param>
    /// <param name="layers">Each layer with the name its tensors get; names must be distinct and non-empty.</param>
    /// <exception cref="ArgumentException">No layers, a null layer, or an empty, duplicate or reserved name.</exception>
    /// <exception cref="DirectoryNotFoundException">The directory of <paramref name="path"/> does not exist; nothing is written.</exception>
    /// <exception cref="IOException">The file could not be written; <paramref name="path"/> is unchanged.</exception>
    public static void Save<T>(string path, params (string Name, IParameterTensors<T> Layer)[] layers)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        RequireLayers(layers);
        var tensors = new List<(string Name, int[] Shape, T[] Data)>();
        foreach ((string name, IParameterTensors<T> layer) in layers)
        {
            for (int i = 0; i < layer.ParameterTensorCount; i++)
                tensors.Add((name + "." + layer.ParameterTensorName(i), layer.DescribeParameterTensor(i).ShapeArray(), layer.ParameterTensor(i).ToArray()));
        }
        SafeTensorsFile.Write(path, tensors, new Dictionary<string, string>());
    }

    /// <summary>
    /// Loads the layers' weights and biases from <paramref name="path"/>. The whole file is validated first (header,
    /// dtypes, shapes and byte ranges against the file's length), then every requested tensor is checked (present,
    /// F32 or F64, the layer's shape, values its constraint allows: a standard deviation greater than 0); only then are
    /// the layers written. So when it throws, every layer is exactly as it was. F64 data loaded into a float layer is
    /// rounded to nearest; F32 into a double layer is exact.
    /// </summary>
    /// <param name="path">The file to read.</param>
    /// <param name="layers">Each layer with the name its tensors have in the file.</param>
    /// <exception cref="ArgumentException">No layers, a null layer, or an empty or duplicate name.</exception>
    /// <exception cref="InvalidDataException">The file is not valid safetensors, or a tensor is missing, does not fit its layer or holds a value its constraint refuses; the message says which.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static void Load<T>(string path, params (string Name, IParameterTensors<T> Layer)[] layers)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        RequireLayers(layers);
        SafeTensorsFile file = SafeTensorsFile.Read(path);
        foreach ((string name, IParameterTensors<T> layer) in layers)
        {
            for (int i = 0; i < layer.ParameterTensorCount; i++)
            {
                string tensor = name + "." + layer.ParameterTensorName(i);
                TensorDescription description = layer.DescribeParameterTensor(i);
                file.Require(tensor, description.Shape.Select(d => (long)d).ToArray());
                if (description.Constraint == TensorConstraint.Positive)
                {
                    // Checked on the values as read (exact in double) before any layer is written.
                    var values = new double[description.Length];
                    file.CopyTo<double>(tensor, values);
                    ExpectedTensor.RequirePositive(file.Source, tensor, values, single: typeof(T) == typeof(float));
                }
            }
        }
        foreach ((string name, IParameterTensors<T> layer) in layers)
        {
            for (int i = 0; i < layer.ParameterTensorCount; i++)
                file.CopyTo(name + "." + layer.ParameterTensorName(i), layer.ParameterTensor(i));
        }
    }

    private static void RequireLayers<T>((string Name, IParameterTensors<T> Layer)[] layers) where T : unmanaged
    {
        Argument.NotNull(layers, nameof(layers));
        if (layers.Length == 0)
            throw new ArgumentException("No layers given.", nameof(layers));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, IParameterTensors<T> layer) in layers)
        {
            if (string.IsNullOrEmpty(name))
                throw new ArgumentException("A layer name is null or empty.", nameof(layers));
            if (name == SafeTensorsHeader.MetadataKey)
                throw new ArgumentException($"'{name}' is reserved by the format for metadata.", nameof(layers));
            if (!names.Add(name))
                throw new ArgumentException($"The layer name '{name}' is given twice.", nameof(layers));
            if (layer is null)
                throw new ArgumentException($"The layer named '{name}' is null.", nameof(layers));
        }
    }
}

/// <summary>Where one tensor lies in a safetensors file.</summary>
/// <param name="Dtype">The format's dtype name, such as <c>F32</c> or <c>BF16</c>.</param>
/// <param name="Shape">The dimensions, outermost first; empty for a scalar.</param>
/// <param name="Begin">First byte of the data, counted from the start of the data section.</param>
/// <param name="End">One past the last byte.</param>
public sealed record SafeTensorInfo(string Dtype, IReadOnlyList<long> Shape, long Begin, long End)
{
    // What the record's ToString prints: the shape's dimensions (Shape = [128, 784]), not the list's type name.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Dtype = ").Append(Dtype)
            .Append(", Shape = [").Append(string.Join(", ", Shape.Select(d => d.ToString(CultureInfo.InvariantCulture)))).Append(']')
            .Append(", Begin = ").Append(Begin.ToString(CultureInfo.InvariantCulture))
            .Append(", End = ").Append(End.ToString(CultureInfo.InvariantCulture));
        return true;
    }
}

/// <summary>
/// A safetensors file read into memory and validated: the header is well-formed JSON, every tensor has a known
/// dtype, a non-negative shape and a byte range whose length matches it, and the ranges tile the data section
/// exactly (no overlaps, no holes, nothing past the end), as the format's reference implementation requires.
/// </summary>
public sealed class SafeTensorsFile
{
    private readonly SafeTensorsHeader _header;

    private SafeTensorsFile(SafeTensorsHeader header)
    {
        _header = header;
        var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
        foreach (KeyValuePair<string, SafeTensorEntry> entry in header.Tensors)
            tensors.Add(entry.Key, new SafeTensorInfo(entry.Value.Dtype, entry.Value.Shape, entry.Value.Begin, entry.Value.End));
        Tensors = tensors;
        Metadata = header.Metadata;
    }

    /// <summary>The tensors by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>The file's name as error messages give it.</summary>
    internal string Source => _header.Source;

    /// <summary>The header's <c>__metadata__</c> strings, empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Reads and validates a whole file.</summary>
    /// <exception cref="InvalidDataException">The file is not valid safetensors; the message says what is wrong and where.</exception>
    /// <exception cref="IOException">The file could not be read.</exception>
    public static SafeTensorsFile Read(string path)
    {
        Argument.NotNullOrEmpty(path, nameof(path));
        return Parse(File.ReadAllBytes(path), Path.GetFileName(path));
    }

    /// <summary>Validates the bytes of a file already in memory; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not valid safetensors.</exception>
    public static SafeTensorsFile Parse(byte[] bytes, string source)
    {
        Argument.NotNull(bytes, nameof(bytes));
        return new SafeTensorsFile(SafeTensorsHeader.Parse(bytes, source));
    }

    /// <summary>Throws unless the file has tensor <paramref name="name"/> as F32 or F64 with exactly <paramref name="shape"/>.</summary>
    /// <exception cref="InvalidDataException">The tensor is missing, of another dtype or another shape.</exception>
    public void Require(string name, ReadOnlySpan<long> shape) => _header.Require(name, shape.ToArray());

    /// <summary>Throws unless the file has <c>{name}.weight</c> <c>[outputs, inputs]</c> and <c>{name}.bias</c> <c>[outputs]</c>, as F32 or F64: an <c>nn.Linear</c>.</summary>
    /// <exception cref="InvalidDataException">A tensor is missing, of another dtype or another shape.</exception>

    /// <summary>
    /// Throws unless the file has the optimizer state <paramref name="name"/> of the parameter <paramref name="parameter"/>
    /// as F32 or F64, in the parameter's <paramref name="shape"/> or flattened to one dimension (as DenseGen wrote
    /// optimizer state before it kept its parameter's shape).
    /// </summary>
    /// <exception cref="InvalidDataException">The tensor is missing, of another dtype or another shape.</exception>
    internal void RequireOptimizerState(string name, string parameter, int[] shape)
    {
        SafeTensorEntry info = _header.LayerTensor(name, "an optimizer");
        long[] needed = shape.Select(d => (long)d).ToArray();
        long[] flattened = [needed.Aggregate(1L, (product, d) => product * d)];
        if (!info.Shape.SequenceEqual(needed) && !info.Shape.SequenceEqual(flattened))
        {
            throw SafeTensorsHeader.Invalid(_header.Source,
                $"tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; the optimizer state needs [{string.Join(", ", needed)}], the shape of the optimizer's parameter '{parameter}'");
        }
    }

    /// <summary>
    /// Copies tensor <paramref name="name"/> into <paramref name="destination"/>, converting F32 and F64 as needed.
    /// Checks everything before writing: on an exception <paramref name="destination"/> is unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The tensor is missing, not F32 or F64, or holds a different number of elements.</exception>
    public void CopyTo<T>(string name, Span<T> destination)
        where T : unmanaged
#if NET8_0_OR_GREATER
        , IFloatingPointIeee754<T>
#endif
        => _header.CopyTo(name, destination);

    internal static string DtypeOf<T>() =>
        typeof(T) == typeof(float) ? "F32"
        : typeof(T) == typeof(double) ? "F64"
        : throw new NotSupportedException($"Layers of {typeof(T).Name} cannot be saved; use float or double.");

    /// <summary>
    /// Writes <paramref name="tensors"/> and <paramref name="metadata"/> (beside DenseGen's own <c>format</c> and
    /// <c>producer</c> entries) to <paramref name="path"/>. Atomic: the file is written under a temporary name in the same
    /// directory, flushed to disk, then renamed over <paramref name="path"/>, so a reader (or a crash) never sees half a
    /// file and an existing file is replaced only by a complete one.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException"><paramref name="path"/>'s directory does not exist; nothing is written.</exception>
    /// <exception cref="IOException">The file could not be written; <paramref name="path"/> is unchanged.</exception>
    internal static void Write<T>(string path, IReadOnlyList<(string Name, int[] Shape, T[] Data)> tensors, IReadOnlyDictionary<string, string> metadata)
        where T : unmanaged
    {
        string dtype = DtypeOf<T>();
        int size = SafeTensorsHeader.SizeOf(dtype);
        byte[] header = WriteHeader(tensors.Select(t => (t.Name, dtype, t.Shape, (long)t.Data.Length * size)), metadata);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        string temporary = Path.Combine(directory, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        // Checked here so the error names the file asked for, not the temporary one that could not be created.
        if (!Directory.Exists(directory))
            throw MissingDirectory(path, directory, null);
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var buffer = new byte[64 * 1024];
                BinaryPrimitives.WriteUInt64LittleEndian(buffer, (ulong)header.Length);
                stream.Write(buffer, 0, 8);
                stream.Write(header, 0, header.Length);
                foreach (var tensor in tensors)
                    WriteLittleEndian<T>(stream, tensor.Data, buffer);
                stream.Flush(flushToDisk: true);
            }
            ReplaceWith(temporary, fullPath);
        }
        catch (Exception exception)
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            // The directory went away after the check above.
            if (exception is DirectoryNotFoundException)
                throw MissingDirectory(path, directory, exception);
            throw;
        }
    }

    private static DirectoryNotFoundException MissingDirectory(string path, string directory, Exception? inner) =>
        new($"Cannot write '{path}': the directory '{directory}' does not exist.", inner);

    /// <summary>Renames <paramref name="temporary"/> over <paramref name="destination"/>, replacing it if it exists.</summary>
    private static void ReplaceWith(string temporary, string destination)
    {
#if NET8_0_OR_GREATER
        File.Move(temporary, destination, overwrite: true);
#else
        // .NET Standard's File.Move does not overwrite; File.Replace swaps a complete file in, as rename does.
        if (File.Exists(destination))
            File.Replace(temporary, destination, destinationBackupFileName: null);
        else
            File.Move(temporary, destination);
#endif
    }

    private static void WriteLittleEndian<T>(Stream stream, T[] values, byte[] buffer) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        int perBuffer = buffer.Length / size;
        for (int start = 0; start < values.Length; start += perBuffer)
        {
            int count = Math.Min(perBuffer, values.Length - start);
            MemoryMarshal.AsBytes(values.AsSpan(start, count)).CopyTo(buffer);
            LittleEndian.SwapOnBigEndian(buffer.AsSpan(0, count * size), size);
            stream.Write(buffer, 0, count * size);
        }
    }

    /// <summary>The JSON header, padded with spaces to a multiple of 8 bytes so the data that follows stays aligned.</summary>
    internal static byte[] WriteHeader(IEnumerable<(string Name, string Dtype, int[] Shape, long Bytes)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var json = new StringBuilder();
        json.Append('{');
        JsonWriter.AppendName(json, SafeTensorsHeader.MetadataKey);
        json.Append("{\"format\":\"pt\",\"producer\":\"DenseGen\"");
        if (metadata is not null)
        {
            foreach (KeyValuePair<string, string> entry in metadata.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                json.Append(',');
                JsonWriter.AppendName(json, entry.Key);
                JsonWriter.AppendString(json, entry.Value);
            }
        }
        json.Append('}');
        long offset = 0;
        foreach ((string name, string dtype, int[] shape, long bytes) in tensors)
        {
            json.Append(',');
            JsonWriter.AppendName(json, name);
            json.Append("{\"dtype\":");
            JsonWriter.AppendString(json, dtype);
            json.Append(",\"shape\":[").Append(string.Join(",", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))));
            json.Append("],\"data_offsets\":[").Append(offset.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append((offset + bytes).ToString(CultureInfo.InvariantCulture)).Append("]}");
            offset += bytes;
        }
        json.Append('}');
        while (Encoding.UTF8.GetByteCount(json.ToString()) % 8 != 0)
            json.Append(' ');
        return Encoding.UTF8.GetBytes(json.ToString());
    }
}
