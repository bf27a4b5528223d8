using System;
using System.Diagnostics;
using System.Text;

namespace DenseGen.Samples.Mnist;

/// <summary>
/// A progress bar redrawn in place (at most ten times a second) while an epoch runs: samples done, samples per
/// second and the running mean loss. When the output is redirected to a file it stays silent, and only the
/// per-epoch summary lines appear.
/// </summary>
public sealed class ProgressBar(int epochs, int samplesPerEpoch)
{
    private const int Width = 30;
    private readonly bool _interactive = !Console.IsOutputRedirected;
    private readonly Stopwatch _sinceDraw = new();
    private int _lastLength;

    public void Update(int epoch, int samplesDone, double seconds, double runningLoss, bool force = false)
    {
        if (!_interactive || (!force && _sinceDraw.IsRunning && _sinceDraw.ElapsedMilliseconds < 100))
            return;
        _sinceDraw.Restart();
        int filled = (int)((long)Width * samplesDone / samplesPerEpoch);
        string line = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"epoch {epoch,2}/{epochs} [{new string('#', filled)}{new string('.', Width - filled)}] {samplesDone,6:N0}/{samplesPerEpoch:N0}  {samplesDone / Math.Max(seconds, 1e-9),9:N0} samples/s  loss {runningLoss:F4}");
        Console.Write("\r" + line.PadRight(_lastLength));
        _lastLength = line.Length;
    }

    /// <summary>Clears the bar so the epoch's summary line takes its place.</summary>
    public void Clear()
    {
        if (_interactive && _lastLength > 0)
            Console.Write("\r" + new string(' ', _lastLength) + "\r");
        _lastLength = 0;
        _sinceDraw.Reset();
    }
}

/// <summary>Prints a confusion matrix: rows are the true digits, columns the predicted ones.</summary>
public static class ConfusionMatrix
{
    public static string Format(int[,] counts)
    {
        int classes = counts.GetLength(0);
        var text = new StringBuilder();
        text.AppendLine("confusion matrix (rows: true digit, columns: predicted digit)");
        text.Append("      ");
        for (int c = 0; c < classes; c++)
            text.Append($"{c,6}");
        text.AppendLine("   correct");
        for (int actual = 0; actual < classes; actual++)
        {
            text.Append($"{actual,6}");
            int total = 0;
            for (int predicted = 0; predicted < classes; predicted++)
            {
                text.Append($"{counts[actual, predicted],6}");
                total += counts[actual, predicted];
            }
            text.AppendLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{100.0 * counts[actual, actual] / Math.Max(total, 1),9:F1}%"));
        }
        return text.ToString();
    }
}
