// The contract suite's test definitions for store_s3_imgpipe_test (instantiated in
// s3_object_store_imgpipe_test.cpp).
#include "store/object_store_contract.h"
