using System;
using System.Globalization;

namespace DenseGen.Samples.Mnist;

/// <summary>The command line, with defaults that reach 94% or better on the built-in digits in 10 epochs.</summary>
public sealed record Options(int Epochs, int BatchSize, double LearningRate, ulong Seed, string? DataDirectory, string OutputDirectory)
{
    public const string Usage = """
        Trains a 784→128 (ReLU)→10 network of DenseGen layers on handwritten digits.

        usage: dotnet run -c Release --project samples/Mnist -- [options]

          --epochs N          passes over the training set (default 10)
          --batch-size N      samples per step, 1 to 256 (default 32)
          --learning-rate X   Adam's learning rate (default 0.001)
          --seed N            seeds the weights and the shuffling; same seed, same run (default 1)
          --data DIR          train on the standard MNIST IDX files in DIR (train-images-idx3-ubyte and
                              friends, optionally .gz) instead of the built-in 10,000 digits
          --output DIR        where to write mnist-training.png and mnist.safetensors (default: current directory)
          --help              this text
        """;

    /// <summary>Parses the arguments; returns null with a message for anything it does not understand.</summary>
    public static Options? Parse(string[] args, out string? error)
    {
        var options = new Options(Epochs: 10, BatchSize: 32, LearningRate: 0.001, Seed: 1, DataDirectory: null, OutputDirectory: ".");
        error = null;
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i];
            if (name is "--help" or "-h")
            {
                error = "";
                return null;
            }
            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value, or is not an option.";
                return null;
            }
            string value = args[++i];
            bool ok = true;
            switch (name)
            {
                case "--epochs": ok = int.TryParse(value, CultureInfo.InvariantCulture, out int epochs) && epochs > 0; options = options with { Epochs = epochs }; break;
                case "--batch-size": ok = int.TryParse(value, CultureInfo.InvariantCulture, out int batch) && batch > 0 && batch <= MnistNetwork.MaxBatch; options = options with { BatchSize = batch }; break;
                case "--learning-rate": ok = double.TryParse(value, CultureInfo.InvariantCulture, out double rate) && rate > 0 && double.IsFinite(rate); options = options with { LearningRate = rate }; break;
                case "--seed": ok = ulong.TryParse(value, CultureInfo.InvariantCulture, out ulong seed); options = options with { Seed = seed }; break;
                case "--data": options = options with { DataDirectory = value }; break;
                case "--output": options = options with { OutputDirectory = value }; break;
                default: error = $"unknown option {name}."; return null;
            }
            if (!ok)
            {
                error = $"{name} {value}: expected a positive {(name == "--learning-rate" ? "number" : "integer")}.";
                return null;
            }
        }
        return options;
    }
}
