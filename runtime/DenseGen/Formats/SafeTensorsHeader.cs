using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

// The generator compiles these files too (see its project), in a namespace of its own so that an assembly that sees
// the internals of both (the tests) can tell the two copies apart.
#if DENSEGEN_GENERATOR
namespace DenseGen.Generator.Formats;
#else
namespace DenseGen.Formats;
#endif

/// <summary>Where one tensor lies in a safetensors file: its dtype name, its dimensions and its byte range in the data section.</summary>
internal sealed class SafeTensorEntry
{
    public SafeTensorEntry(string dtype, long[] shape, long begin, long end)
    {
        Dtype = dtype;
        Shape = shape;
        Begin = begin;
        End = end;
    }

    public string Dtype { get; }

    public long[] Shape { get; }

    public long Begin { get; }

    public long End { get; }
}

/// <summary>
/// A safetensors file read into memory and validated, with no dependency beyond the base library (the runtime's
/// <c>SafeTensorsFile</c> and the generator both read through it): the header is well-formed JSON, every tensor has a
/// known dtype, a non-negative shape and a byte range whose length matches it, and the ranges tile the data section
/// exactly (no overlaps, no holes, nothing past the end), as the format's reference implementation requires.
/// </summary>
internal sealed class SafeTensorsHeader
{
    internal const string MetadataKey = "__metadata__";

    // The reference implementation refuses headers above 100 MB; a larger one is a corrupt length field.
    private const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, int> DtypeSizes = new(StringComparer.Ordinal)
    {
        ["BOOL"] = 1, ["U8"] = 1, ["I8"] = 1, ["F8_E5M2"] = 1, ["F8_E4M3"] = 1,
        ["I16"] = 2, ["U16"] = 2, ["F16"] = 2, ["BF16"] = 2,
        ["I32"] = 4, ["U32"] = 4, ["F32"] = 4,
        ["I64"] = 8, ["U64"] = 8, ["F64"] = 8,
    };

    private readonly string _source;
    private readonly byte[] _bytes;
    private readonly long _dataStart;

    private SafeTensorsHeader(string source, byte[] bytes, long dataStart, Dictionary<string, SafeTensorEntry> tensors, Dictionary<string, string> metadata)
    {
        _source = source;
        _bytes = bytes;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>Names the file in error messages.</summary>
    public string Source => _source;

    /// <summary>The tensors by name, in the header's order.</summary>
    public Dictionary<string, SafeTensorEntry> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> strings, empty when it has none.</summary>
    public Dictionary<string, string> Metadata { get; }

    /// <summary>Validates the bytes of a file already in memory; <paramref name="source"/> names it in error messages.</summary>
    /// <exception cref="InvalidDataException">The bytes are not valid safetensors.</exception>
    public static SafeTensorsHeader Parse(byte[] bytes, string source)
    {
        if (bytes is null)
            throw new ArgumentNullException(nameof(bytes));
        if (bytes.Length < 8)
            throw Invalid(source, $"the file is {bytes.Length} bytes long, shorter than the 8-byte header length that starts every safetensors file");
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(bytes, 0, 8));
        if (headerLength > MaxHeaderBytes)
            throw Invalid(source, $"the header length field says {headerLength:N0} bytes, more than the format's limit of {MaxHeaderBytes:N0}; the file is corrupt or not safetensors");
        if (headerLength == 0 || headerLength > (ulong)(bytes.Length - 8))
            throw Invalid(source, $"the header length field says {headerLength:N0} bytes, but the file has {bytes.Length - 8:N0} bytes after it; the file is truncated or corrupt");
        long dataStart = 8 + (long)headerLength;
        long dataLength = bytes.Length - dataStart;

        var tensors = new Dictionary<string, SafeTensorEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonValue header = JsonReader.Parse(bytes, 8, (int)headerLength, source, "the header");
        if (header.Kind != JsonKind.Object)
            throw Invalid(source, $"the header is a JSON {header.Kind}, not an object");
        foreach (KeyValuePair<string, JsonValue> property in header.Members!)
        {
            if (property.Key == MetadataKey)
                ReadMetadata(source, property.Value, metadata);
            else
                tensors.Add(property.Key, ReadTensor(source, property.Key, property.Value, dataLength));
        }

        // The byte ranges must tile the data section: sorted by start, each begins where the previous ended.
        long expectedBegin = 0;
        foreach (KeyValuePair<string, SafeTensorEntry> tensor in tensors.OrderBy(t => t.Value.Begin).ThenBy(t => t.Value.End))
        {
            string name = tensor.Key;
            SafeTensorEntry info = tensor.Value;
            if (info.Begin != expectedBegin)
            {
                throw info.Begin < expectedBegin
                    ? Invalid(source, $"tensor '{name}' (bytes {info.Begin}–{info.End}) overlaps another tensor's data")
                    : Invalid(source, $"the data section has a gap at bytes {expectedBegin}–{info.Begin} before tensor '{name}'");
            }
            expectedBegin = info.End;
        }
        if (expectedBegin != dataLength)
            throw Invalid(source, $"the tensors cover {expectedBegin:N0} bytes of data, but the file holds {dataLength:N0} after the header; it is truncated or has trailing bytes");

        return new SafeTensorsHeader(source, bytes, dataStart, tensors, metadata);
    }

    /// <summary>Throws unless the file has tensor <paramref name="name"/> as F32 or F64 with exactly <paramref name="shape"/>.</summary>
    /// <exception cref="InvalidDataException">The tensor is missing, of another dtype or another shape.</exception>
    public SafeTensorEntry Require(string name, long[] shape)
    {
        SafeTensorEntry info = LayerTensor(name);
        if (!info.Shape.SequenceEqual(shape))
            throw Invalid(_source, $"tensor '{name}' has shape [{string.Join(", ", info.Shape)}]; the layer needs [{string.Join(", ", shape)}]");
        return info;
    }

    /// <summary>
    /// Copies tensor <paramref name="name"/> into <paramref name="destination"/>, converting F32 and F64 as needed.
    /// Checks everything before writing: on an exception <paramref name="destination"/> is unchanged.
    /// </summary>
    /// <exception cref="InvalidDataException">The tensor is missing, not F32 or F64, or holds a different number of elements.</exception>
    public void CopyTo<T>(string name, Span<T> destination)
        where T : unmanaged
    {
        SafeTensorEntry info = LayerTensor(name);
        int size = SizeOf(info.Dtype);
        long count = (info.End - info.Begin) / size;
        if (count != destination.Length)
            throw Invalid(_source, $"tensor '{name}' holds {count:N0} elements; the destination has room for {destination.Length:N0}");
        ReadOnlySpan<byte> data = _bytes.AsSpan((int)(_dataStart + info.Begin), (int)(info.End - info.Begin));
        // Dispatch on the two element types by hand, as every build can: the .NET Standard builds have no generic math.
        if (typeof(T) == typeof(float))
        {
            Span<float> values = MemoryMarshal.Cast<T, float>(destination);
            for (int i = 0; i < values.Length; i++)
                values[i] = info.Dtype == "F32" ? LittleEndian.ReadSingle(data, i) : (float)LittleEndian.ReadDouble(data, i);
        }
        else if (typeof(T) == typeof(double))
        {
            Span<double> values = MemoryMarshal.Cast<T, double>(destination);
            for (int i = 0; i < values.Length; i++)
                values[i] = info.Dtype == "F32" ? LittleEndian.ReadSingle(data, i) : LittleEndian.ReadDouble(data, i);
        }
        else
        {
            throw new NotSupportedException($"Tensors are loaded as float or double, not {typeof(T).Name}.");
        }
    }

    /// <summary>The tensor <paramref name="name"/>, which must exist and be F32 or F64, the dtypes <paramref name="reader"/> (in errors, "a layer") loads.</summary>
    public SafeTensorEntry LayerTensor(string name, string reader = "a layer")
    {
        if (!Tensors.TryGetValue(name, out SafeTensorEntry? info))
        {
            string known = Tensors.Count == 0 ? "the file has no tensors" : "the file has " + string.Join(", ", Tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).Take(10)) + (Tensors.Count > 10 ? ", …" : "");
            throw Invalid(_source, $"tensor '{name}' is missing; {known}");
        }
        if (info.Dtype is not ("F32" or "F64"))
            throw Invalid(_source, $"tensor '{name}' has dtype {info.Dtype}; {reader} can load F32 or F64");
        return info;
    }

    private static void ReadMetadata(string source, JsonValue value, Dictionary<string, string> metadata)
    {
        if (value.Kind != JsonKind.Object)
            throw Invalid(source, $"'{MetadataKey}' is a JSON {value.Kind}; the format wants an object of strings");
        foreach (KeyValuePair<string, JsonValue> entry in value.Members!)
        {
            if (entry.Value.Kind != JsonKind.String)
                throw Invalid(source, $"metadata entry '{entry.Key}' is a JSON {entry.Value.Kind}; the format allows strings only");
            metadata[entry.Key] = entry.Value.Text!;
        }
    }

    private static SafeTensorEntry ReadTensor(string source, string name, JsonValue value, long dataLength)
    {
        if (value.Kind != JsonKind.Object)
            throw Invalid(source, $"tensor '{name}' is a JSON {value.Kind}, not an object with dtype, shape and data_offsets");
        JsonValue? dtypeValue = value.Member("dtype");
        if (dtypeValue is null || dtypeValue.Kind != JsonKind.String)
            throw Invalid(source, $"tensor '{name}' has no dtype string");
        string dtype = dtypeValue.Text!;
        if (!DtypeSizes.TryGetValue(dtype, out int size))
            throw Invalid(source, $"tensor '{name}' has dtype '{dtype}', which the format does not define");

        long[] shape = ReadIntegers(source, name, value, "shape");
        long[] offsets = ReadIntegers(source, name, value, "data_offsets");
        if (offsets.Length != 2 || offsets[0] > offsets[1])
            throw Invalid(source, $"tensor '{name}' has data_offsets [{string.Join(", ", offsets)}]; expected [begin, end] with begin ≤ end");
        if (offsets[1] > dataLength)
            throw Invalid(source, $"tensor '{name}' ends at byte {offsets[1]:N0} of the data, but the file holds only {dataLength:N0} bytes of data; it is truncated");

        long elements = 1;
        try
        {
            foreach (long dimension in shape)
                elements = checked(elements * dimension);
            if (checked(elements * size) != offsets[1] - offsets[0])
                throw Invalid(source, $"tensor '{name}' is {dtype} of shape [{string.Join(", ", shape)}], {elements * size:N0} bytes, but its data_offsets span {offsets[1] - offsets[0]:N0}");
        }
        catch (OverflowException)
        {
            throw Invalid(source, $"tensor '{name}' has shape [{string.Join(", ", shape)}], too many elements to address");
        }
        return new SafeTensorEntry(dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(string source, string name, JsonValue tensor, string field)
    {
        JsonValue? array = tensor.Member(field);
        if (array is null || array.Kind != JsonKind.Array)
            throw Invalid(source, $"tensor '{name}' has no {field} array");
        var values = new long[array.Items!.Count];
        for (int i = 0; i < values.Length; i++)
        {
            JsonValue item = array.Items[i];
            if (!item.TryGetInt64(out long number) || number < 0)
                throw Invalid(source, $"tensor '{name}' has {field} entry {Describe(item)}; expected a non-negative integer");
            values[i] = number;
        }
        return values;
    }

    private static string Describe(JsonValue value) => value.Kind switch
    {
        JsonKind.Number => value.Text!,
        JsonKind.String => "\"" + value.Text + "\"",
        _ => "a JSON " + value.Kind,
    };

    public static int SizeOf(string dtype) => DtypeSizes[dtype];

    public static InvalidDataException Invalid(string source, FormattableString problem) =>
        new(source + ": " + FormattableString.Invariant(problem) + ".");
}
