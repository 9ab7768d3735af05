using System.Runtime.InteropServices;
using System.Text;
using OfflineSafety.Errors;

namespace OfflineSafety.Envs.MuJoCo;

/// <summary>
/// The MuJoCo 2.2.2 C library (Debian's libmujoco2.2.2), bound by function pointers looked up at
/// load: no global DllImport resolver, so a missing library is a user error raised where a MuJoCo
/// environment is first made, and every other environment keeps working without it. Only the
/// functions the environments need are bound; struct fields are read through
/// <see cref="MjLayout"/>, whose offsets are checked against the loaded library here.
/// </summary>
public sealed unsafe class MuJoCoLibrary
{
    /// <summary>The Debian packages that provide the library (runtime) and its headers.</summary>
    public const string Package = "libmujoco2.2.2";
    public const string DevelopmentPackage = "libmujoco-dev";

    /// <summary>mj_version() of the release whose struct layout <see cref="MjLayout"/> describes.</summary>
    public const int SupportedVersion = 222;

    public static readonly IReadOnlyList<string> DefaultCandidates = ["libmujoco.so.2.2.2", "libmujoco.so", "mujoco"];

    private static readonly Lazy<MuJoCoLibrary> SharedInstance = new(() => Load(DefaultCandidates), LazyThreadSafetyMode.ExecutionAndPublication);

    // mj_loadXML keeps the last parsed XML in a process-wide slot (for mj_saveLastXML); loads are serialised.
    private readonly Lock _loadGate = new();

    private readonly delegate* unmanaged<int> _version;
    private readonly delegate* unmanaged<void*, void> _defaultVfs;
    private readonly delegate* unmanaged<void*, byte*, int, int> _makeEmptyFileVfs;
    private readonly delegate* unmanaged<void*, byte*, int> _findFileVfs;
    private readonly delegate* unmanaged<void*, void> _deleteVfs;
    private readonly delegate* unmanaged<byte*, void*, byte*, int, void*> _loadXml;
    private readonly delegate* unmanaged<void*, void> _deleteModel;
    private readonly delegate* unmanaged<void*, void*> _makeData;
    private readonly delegate* unmanaged<void*, void> _deleteData;
    private readonly delegate* unmanaged<void*, void*, void> _resetData;
    private readonly delegate* unmanaged<void*, void*, void> _step;
    private readonly delegate* unmanaged<void*, void*, void> _forward;

    private MuJoCoLibrary(nint handle, string name)
    {
        Name = name;
        _version = (delegate* unmanaged<int>)Export(handle, "mj_version");
        Version = _version();
        if (Version != SupportedVersion)
            throw new BadInputException($"{name} is MuJoCo {Version / 100}.{Version / 10 % 10}.{Version % 10}; offsafe's MuJoCo environments need 2.2.2 (Debian package {Package})");
        _defaultVfs = (delegate* unmanaged<void*, void>)Export(handle, "mj_defaultVFS");
        _makeEmptyFileVfs = (delegate* unmanaged<void*, byte*, int, int>)Export(handle, "mj_makeEmptyFileVFS");
        _findFileVfs = (delegate* unmanaged<void*, byte*, int>)Export(handle, "mj_findFileVFS");
        _deleteVfs = (delegate* unmanaged<void*, void>)Export(handle, "mj_deleteVFS");
        _loadXml = (delegate* unmanaged<byte*, void*, byte*, int, void*>)Export(handle, "mj_loadXML");
        _deleteModel = (delegate* unmanaged<void*, void>)Export(handle, "mj_deleteModel");
        _makeData = (delegate* unmanaged<void*, void*>)Export(handle, "mj_makeData");
        _deleteData = (delegate* unmanaged<void*, void>)Export(handle, "mj_deleteData");
        _resetData = (delegate* unmanaged<void*, void*, void>)Export(handle, "mj_resetData");
        _step = (delegate* unmanaged<void*, void*, void>)Export(handle, "mj_step");
        _forward = (delegate* unmanaged<void*, void*, void>)Export(handle, "mj_forward");
        // MuJoCo's default warning handler prints to stdout, which would corrupt --json output;
        // warnings are still counted in mjData and instabilities reset the state (mj_checkAcc).
        *(delegate* unmanaged<byte*, void>*)Export(handle, "mju_user_warning") = &IgnoreWarning;
    }

    public string Name { get; }

    /// <summary>mj_version(), e.g. 222.</summary>
    public int Version { get; }

    /// <summary>The library found under its Debian name, loaded once per process.</summary>
    public static MuJoCoLibrary Shared => SharedInstance.Value;

    /// <summary>
    /// Loads the first of <paramref name="candidates"/> that the dynamic loader finds; none found is
    /// a one-line user error naming the Debian package to install.
    /// </summary>
    public static MuJoCoLibrary Load(IEnumerable<string> candidates)
    {
        var names = candidates.ToArray();
        foreach (var name in names)
            if (NativeLibrary.TryLoad(name, out var handle))
                return new MuJoCoLibrary(handle, name);
        throw new NotFoundException(
            $"MuJoCo's library was not found (tried {string.Join(", ", names)}): install the Debian package {Package} (apt-get install {Package} {DevelopmentPackage})");
    }

    /// <summary>Compiles an MJCF document held in memory (through MuJoCo's virtual file system, nothing touches disk).</summary>
    public MuJoCoModelHandle LoadXml(string mjcf, string modelName)
    {
        var bytes = Encoding.UTF8.GetBytes(mjcf);
        var fileName = Encoding.UTF8.GetBytes("model.xml\0");
        const int errorSize = 1000;
        byte* error = stackalloc byte[errorSize];
        error[0] = 0;
        void* vfs = NativeMemory.AllocZeroed((nuint)MjLayout.VfsSize);
        try
        {
            lock (_loadGate)
            {
                _defaultVfs(vfs);
                fixed (byte* file = fileName)
                {
                    if (_makeEmptyFileVfs(vfs, file, bytes.Length) != 0)
                        throw new InvalidOperationException("mj_makeEmptyFileVFS failed on an empty VFS");
                    int index = _findFileVfs(vfs, file);
                    if (index < 0 || MjLayout.VfsFileSize(vfs, index) != bytes.Length)
                        throw new InvalidOperationException($"{Name}: the mjVFS layout does not match MuJoCo 2.2.2's (file {index})");
                    Marshal.Copy(bytes, 0, (nint)MjLayout.VfsFileData(vfs, index), bytes.Length);
                    void* model = _loadXml(file, vfs, error, errorSize);
                    _deleteVfs(vfs);
                    if (model == null)
                        throw new InvalidOperationException($"MuJoCo rejected the {modelName} model: {Marshal.PtrToStringUTF8((nint)error)?.ReplaceLineEndings(" ").Trim()}");
                    return new MuJoCoModelHandle(this, model);
                }
            }
        }
        finally
        {
            NativeMemory.Free(vfs);
        }
    }

    internal void* MakeData(void* model) => _makeData(model);
    internal void DeleteModel(void* model) => _deleteModel(model);
    internal void DeleteData(void* data) => _deleteData(data);
    internal void ResetData(void* model, void* data) => _resetData(model, data);
    internal void Step(void* model, void* data) => _step(model, data);
    internal void Forward(void* model, void* data) => _forward(model, data);

    private static nint Export(nint handle, string name) =>
        NativeLibrary.TryGetExport(handle, name, out var address)
            ? address
            : throw new BadInputException($"the loaded MuJoCo library has no '{name}'; offsafe needs MuJoCo 2.2.2 (Debian package {Package})");

    [UnmanagedCallersOnly]
    private static void IgnoreWarning(byte* message) { }
}

/// <summary>A compiled mjModel, freed when the last simulation made from it is (or on finalisation).</summary>
public sealed unsafe class MuJoCoModelHandle
{
    internal MuJoCoModelHandle(MuJoCoLibrary library, void* model)
    {
        Library = library;
        Pointer = model;
    }

    ~MuJoCoModelHandle() => Library.DeleteModel(Pointer);

    public MuJoCoLibrary Library { get; }
    internal void* Pointer { get; }

    /// <summary>Generalised coordinates (mjModel.nq).</summary>
    public int Nq => MjLayout.ModelInt(Pointer, MjLayout.ModelNq);

    /// <summary>Degrees of freedom (mjModel.nv).</summary>
    public int Nv => MjLayout.ModelInt(Pointer, MjLayout.ModelNv);

    /// <summary>Actuator activations (mjModel.na).</summary>
    public int Na => MjLayout.ModelInt(Pointer, MjLayout.ModelNa);

    /// <summary>Actuators (mjModel.nu).</summary>
    public int Nu => MjLayout.ModelInt(Pointer, MjLayout.ModelNu);
}
