using DenseGen;

// Layers compiled into the test assembly by the generator, exactly as a user's build compiles them.
// Names: F = float class, D = double class, SF / SD = float / double struct; then In x Out.
namespace DenseGen.Tests.Layers;

[Dense(In = 1, Out = 1)] public partial class F1x1;
[Dense(In = 1, Out = 100)] public partial class F1x100;
[Dense(In = 100, Out = 1)] public partial class F100x1;
[Dense(In = 3, Out = 5)] public partial class F3x5;
[Dense(In = 17, Out = 33)] public partial class F17x33;
[Dense(In = 31, Out = 7)] public partial class F31x7;
[Dense(In = 64, Out = 32)] public partial class F64x32;
[Dense(In = 784, Out = 128)] public partial class F784x128;

[Dense(In = 1, Out = 1, ElementType = typeof(double))] public partial class D1x1;
[Dense(In = 1, Out = 100, ElementType = typeof(double))] public partial class D1x100;
[Dense(In = 100, Out = 1, ElementType = typeof(double))] public partial class D100x1;
[Dense(In = 3, Out = 5, ElementType = typeof(double))] public partial class D3x5;
[Dense(In = 17, Out = 33, ElementType = typeof(double))] public partial class D17x33;
[Dense(In = 31, Out = 7, ElementType = typeof(double))] public partial class D31x7;
[Dense(In = 64, Out = 32, ElementType = typeof(double))] public partial class D64x32;
[Dense(In = 784, Out = 128, ElementType = typeof(double))] public partial class D784x128;

[Dense(In = 3, Out = 5)] public partial struct SF3x5;
[Dense(In = 17, Out = 33)] public partial struct SF17x33;
[Dense(In = 3, Out = 2, ElementType = typeof(double))] public partial struct SD3x2;

public static partial class Container
{
    [Dense(In = 4, Out = 3)] public partial class NestedF4x3;
}
