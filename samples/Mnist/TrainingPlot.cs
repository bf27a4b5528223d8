using System.Linq;

namespace DenseGen.Samples.Mnist;

/// <summary>Draws the loss and accuracy per epoch into a PNG with ScottPlot.</summary>
public static class TrainingPlot
{
    public static void Save(string path, double[] trainingLoss, double[] testLoss, double[] testAccuracyPercent)
    {
        double[] epochs = Enumerable.Range(1, trainingLoss.Length).Select(e => (double)e).ToArray();
        var plot = new ScottPlot.Plot();
        var training = plot.Add.Scatter(epochs, trainingLoss);
        training.LegendText = "training loss";
        var test = plot.Add.Scatter(epochs, testLoss);
        test.LegendText = "test loss";
        var accuracy = plot.Add.Scatter(epochs, testAccuracyPercent);
        accuracy.LegendText = "test accuracy (%)";
        accuracy.Axes.YAxis = plot.Axes.Right;
        plot.Title("DenseGen MNIST: 784→128 (ReLU)→10, Adam");
        plot.Axes.Bottom.Label.Text = "epoch";
        // One tick per whole epoch: the points are epochs, and ticks at 2.5 or 7.5 would suggest points between them.
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(1);
        plot.Axes.Left.Label.Text = "mean cross-entropy loss";
        plot.Axes.Right.Label.Text = "test accuracy (%)";
        plot.ShowLegend(ScottPlot.Alignment.MiddleRight);
        plot.SavePng(path, 900, 540);
    }
}
