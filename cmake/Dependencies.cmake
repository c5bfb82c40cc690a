# Finds every external dependency and stops with the Debian package that provides it.
find_package(PkgConfig)
if(NOT PKG_CONFIG_FOUND)
  message(FATAL_ERROR "pkg-config not found: apt-get install pkg-config")
endif()

find_package(MPI REQUIRED COMPONENTS C)
if(NOT MPI_C_FOUND)
  message(FATAL_ERROR "MPI not found: apt-get install libopenmpi-dev openmpi-bin")
endif()

find_package(OpenMP COMPONENTS C)
if(NOT OpenMP_C_FOUND)
  message(FATAL_ERROR "OpenMP not found: apt-get install gcc (libgomp1)")
endif()

if(NOT DEFINED ENV{PETSC_DIR} AND EXISTS /usr/lib/petsc/lib/pkgconfig)
  set(ENV{PKG_CONFIG_PATH} "/usr/lib/petsc/lib/pkgconfig:$ENV{PKG_CONFIG_PATH}")
elseif(DEFINED ENV{PETSC_DIR})
  set(ENV{PKG_CONFIG_PATH} "$ENV{PETSC_DIR}/lib/pkgconfig:$ENV{PKG_CONFIG_PATH}")
endif()
pkg_check_modules(PETSC IMPORTED_TARGET PETSc)
if(NOT PETSC_FOUND)
  message(FATAL_ERROR "PETSc not found by pkg-config: apt-get install petsc-dev (or set PETSC_DIR)")
endif()

pkg_check_modules(HDF5MPI IMPORTED_TARGET hdf5-openmpi)
if(NOT HDF5MPI_FOUND)
  message(FATAL_ERROR "parallel HDF5 not found: apt-get install libhdf5-openmpi-dev hdf5-tools")
endif()
include(CheckSymbolExists)
set(CMAKE_REQUIRED_INCLUDES ${HDF5MPI_INCLUDE_DIRS} ${MPI_C_INCLUDE_DIRS})
check_symbol_exists(H5_HAVE_PARALLEL "H5pubconf.h" SPIKEFIT_HDF5_PARALLEL)
unset(CMAKE_REQUIRED_INCLUDES)
if(NOT SPIKEFIT_HDF5_PARALLEL)
  message(FATAL_ERROR "HDF5 found but not built with MPI: apt-get install libhdf5-openmpi-dev")
endif()

# BLAS through CMake's FindBLAS, asking for OpenBLAS (the performance figures are OpenBLAS's);
# cblas.h from the same installation: OpenBLAS keeps it in a per-variant directory on Debian.
set(BLA_VENDOR OpenBLAS)
find_package(BLAS)
if(NOT BLAS_FOUND)
  message(FATAL_ERROR "OpenBLAS not found by FindBLAS: apt-get install libopenblas-dev libopenblas0-openmp")
endif()
list(GET BLAS_LIBRARIES 0 SPIKEFIT_BLAS_LIBRARY)
get_filename_component(SPIKEFIT_BLAS_REAL ${SPIKEFIT_BLAS_LIBRARY} REALPATH)
get_filename_component(SPIKEFIT_BLAS_VARIANT ${SPIKEFIT_BLAS_REAL} DIRECTORY)
get_filename_component(SPIKEFIT_BLAS_VARIANT ${SPIKEFIT_BLAS_VARIANT} NAME) # openblas-pthread, ...
find_path(OPENBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES ${SPIKEFIT_BLAS_VARIANT} openblas-openmp openblas-pthread openblas)
if(NOT OPENBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "cblas.h not found for ${SPIKEFIT_BLAS_LIBRARY}: apt-get install libopenblas-dev")
endif()
message(STATUS "BLAS: ${BLAS_LIBRARIES} (${SPIKEFIT_BLAS_REAL}), cblas.h in ${OPENBLAS_INCLUDE_DIR}")

find_path(RANDOM123_INCLUDE_DIR Random123/philox.h)
if(NOT RANDOM123_INCLUDE_DIR)
  message(FATAL_ERROR "Random123 not found: apt-get install librandom123-dev")
endif()

if(BUILD_TESTING) # only the unit tests use CMocka
  find_path(CMOCKA_INCLUDE_DIR cmocka.h)
  find_library(CMOCKA_LIBRARY NAMES cmocka)
  if(NOT CMOCKA_INCLUDE_DIR OR NOT CMOCKA_LIBRARY)
    message(FATAL_ERROR "CMocka not found: apt-get install libcmocka-dev (or configure with -DBUILD_TESTING=OFF)")
  endif()
endif()

find_program(MPIEXEC_EXECUTABLE NAMES mpiexec mpirun)

# MATLAB v5/v7 files are read with libmatio (v7.3 goes through our HDF5). Not through
# pkg-config: matio.pc would put the serial HDF5's headers and library before the parallel one.
find_path(MATIO_INCLUDE_DIR matio.h)
find_library(MATIO_LIBRARY NAMES matio)
if(NOT MATIO_INCLUDE_DIR OR NOT MATIO_LIBRARY)
  message(FATAL_ERROR "libmatio not found (reads MATLAB .mat files): apt-get install libmatio-dev")
endif()
